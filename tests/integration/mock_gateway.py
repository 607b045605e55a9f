#!/usr/bin/python3
"""mock_gateway.py - a local HTTPS mock of SMS gateway HTTP APIs, for tests.

Usage:
  mock_gateway.py --port P --cert C --key K --log FILE [--http]
                  [--twilio-token TOKEN]

Serves on 127.0.0.1:P (P = 0 picks a free port), HTTPS with certificate C
and key K unless --http is given (plain HTTP, for insecure_http tests).
When listening it prints "READY <port>" on stdout and flushes. Each request
is appended to FILE as one JSON line, written before the reply is sent:
  {"method", "path", "query", "headers": {name: value, ...} (Authorization
   included), "body": raw text, "form": {field: value} (form bodies),
   "json": value (JSON bodies), "api": which API handled it}
Stops on SIGTERM or SIGINT. Standard library only; run with /usr/bin/python3.

Implemented APIs (add more to ROUTES; each handler gets the request and the
regex match and returns nothing after replying):

Twilio Programmable Messaging
  POST /2010-04-01/Accounts/{AccountSid}/Messages.json
  HTTP Basic auth AccountSid:AuthToken, where AccountSid must equal the one
  in the path and AuthToken the --twilio-token value (default
  "test-auth-token"); else 401 code 20003. Form fields: To (required,
  21604), From or MessagingServiceSid (21603), Body (21602). Success: 201
  with a Message resource {"sid": "SM" + 32 hex, "status": "queued", ...}.
  Errors: {"code", "message", "more_info", "status"}.

  Magic destination numbers ("To"):
    +15005550001  400, code 21211 (invalid 'To' number)
    +15005550002  401, code 20003 (authentication failed)
    +15005550003  429, code 20429, header Retry-After: 7
    +15005550004  500, code 20500
    +15005550005  201 with malformed JSON
    +15005550006  blackhole: waits 30 s before answering
    +15005550007  200 with an endless body, streamed until the client leaves
    +15005550008  302 redirect to http://127.0.0.1:1/
  Any other number succeeds.

Later: Vonage (POST /sms/json) and a generic JSON endpoint can be added as
more ROUTES entries sharing the same logging, magic numbers and helpers.
"""

import argparse
import base64
import email.utils
import json
import os
import re
import secrets
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1024 * 1024
BLACKHOLE_SECONDS = 30
ENDLESS_CHUNK = 16 * 1024
ENDLESS_LIMIT = 256 * 1024 * 1024  # stop streaming eventually regardless

# Errors a client causes by going away or failing the TLS handshake: quiet.
QUIET_ERRORS = (ConnectionError, ssl.SSLError, TimeoutError)


class Gone(Exception):
    """The client went away while we were replying."""


class Config:
    log_path = None
    log_lock = threading.Lock()
    twilio_token = "test-auth-token"
    tls = None  # ssl.SSLContext, or None for plain HTTP


def log_request(entry):
    line = json.dumps(entry, sort_keys=True) + "\n"
    with Config.log_lock:
        with open(Config.log_path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()


def basic_auth(header):
    """(user, password) from an Authorization: Basic header, or None."""
    if not header or not header.startswith("Basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = raw.partition(":")
    return (user, password) if sep else None


# --- Twilio ----------------------------------------------------------------

def twilio_error(h, status, code, message, headers=None):
    h.send_json(status, {
        "code": code,
        "message": message,
        "more_info": "https://www.twilio.com/docs/errors/%d" % code,
        "status": status,
    }, headers)


def twilio_messages(h, m):
    account = m.group(1)
    auth = basic_auth(h.headers.get("Authorization"))
    if auth is None or auth[0] != account or auth[1] != Config.twilio_token:
        twilio_error(h, 401, 20003, "Authenticate")
        return
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip()
    if ctype != "application/x-www-form-urlencoded":
        twilio_error(h, 400, 20001, "Content-Type must be form-encoded")
        return
    form = h.form
    to = form.get("To")
    if not to:
        twilio_error(h, 400, 21604, "A 'To' phone number is required.")
        return
    if not form.get("From") and not form.get("MessagingServiceSid"):
        twilio_error(h, 400, 21603, "A 'From' phone number is required.")
        return
    if not form.get("Body"):
        twilio_error(h, 400, 21602, "Message body is required.")
        return
    if to == "+15005550001":
        twilio_error(h, 400, 21211,
                     "The 'To' number %s is not a valid phone number." % to)
    elif to == "+15005550002":
        twilio_error(h, 401, 20003, "Authenticate")
    elif to == "+15005550003":
        twilio_error(h, 429, 20429, "Too Many Requests",
                     {"Retry-After": "7"})
    elif to == "+15005550004":
        twilio_error(h, 500, 20500, "Internal Server Error")
    elif to == "+15005550005":
        h.send_raw(201, b'{"sid": "SM0123", "status": "queu',
                   "application/json")
    elif to == "+15005550006":
        time.sleep(BLACKHOLE_SECONDS)
        twilio_error(h, 503, 20503, "Service Unavailable")
    elif to == "+15005550007":
        h.send_endless()
    elif to == "+15005550008":
        h.send_raw(302, b"", "text/plain",
                   {"Location": "http://127.0.0.1:1/"})
    else:
        sid = "SM" + secrets.token_hex(16)
        now = email.utils.formatdate(usegmt=True)
        msid = form.get("MessagingServiceSid")
        h.send_json(201, {
            "sid": sid,
            "account_sid": account,
            "to": to,
            "from": form.get("From"),
            "messaging_service_sid": msid,
            "body": form["Body"],
            "status": "accepted" if msid and not form.get("From")
            else "queued",
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (account,
                                                                 sid),
            "subresource_uris": {
                "media": "/2010-04-01/Accounts/%s/Messages/%s/Media.json"
                         % (account, sid),
            },
        })


# (method, path regex, api name, handler)
ROUTES = [
    ("POST", re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})"
                        r"/Messages\.json$"), "twilio", twilio_messages),
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-gateway/1"
    timeout = 60  # per connection: a stuck client cannot pin a thread

    def setup(self):
        # TLS handshake here, in the connection's own thread, so that a
        # slow or failing client never blocks the accept loop.
        if Config.tls is not None:
            self.request.settimeout(self.timeout)
            self.request = Config.tls.wrap_socket(self.request,
                                                  server_side=True)
        super().setup()

    def log_message(self, format, *args):  # noqa: A002 - base signature
        pass  # the JSON log is the record

    # --- replies ---
    def send_raw(self, status, body, ctype, headers=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except QUIET_ERRORS as e:
            raise Gone() from e
        self.close_connection = True

    def send_json(self, status, obj, headers=None):
        self.send_raw(status, json.dumps(obj).encode(), "application/json",
                      headers)

    def send_endless(self):
        chunk = b"x" * ENDLESS_CHUNK
        sent = 0
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            while sent < ENDLESS_LIMIT:
                self.wfile.write(chunk)
                self.wfile.flush()
                sent += len(chunk)
        except QUIET_ERRORS as e:
            raise Gone() from e
        self.close_connection = True

    # --- dispatch ---
    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        length = self.headers.get("Content-Length")
        body = b""
        try:
            if length is not None:
                n = int(length)
                if n < 0 or n > MAX_BODY:
                    raise ValueError("bad length")
                body = self.rfile.read(n)
        except ValueError:
            self.send_raw(400, b"bad Content-Length", "text/plain")
            return
        text = body.decode("utf-8", "replace")
        entry = {
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "headers": {k: v for k, v in self.headers.items()},
            "body": text,
        }
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        self.form = {}
        if ctype.strip() == "application/x-www-form-urlencoded":
            self.form = dict(urllib.parse.parse_qsl(text,
                                                    keep_blank_values=True))
            entry["form"] = self.form
        elif ctype.strip() == "application/json":
            try:
                entry["json"] = json.loads(text)
            except ValueError:
                entry["json"] = None
        for method, rx, api, fn in ROUTES:
            m = rx.match(url.path)
            if m and method == self.command:
                entry["api"] = api
                log_request(entry)
                fn(self, m)
                return
        entry["api"] = None
        log_request(entry)
        self.send_json(404, {"code": 20404, "message": "Not Found",
                             "status": 404})

    def do_POST(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except Gone:
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, QUIET_ERRORS + (Gone,)):
            return  # client left, or failed the TLS handshake: expected
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="SMS gateway API mock")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log", required=True)
    ap.add_argument("--http", action="store_true",
                    help="plain HTTP instead of HTTPS")
    ap.add_argument("--twilio-token", default=Config.twilio_token)
    args = ap.parse_args()

    Config.log_path = args.log
    Config.twilio_token = args.twilio_token
    if not args.http:
        if not args.cert or not args.key:
            ap.error("--cert and --key are required without --http")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
        Config.tls = ctx

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    httpd = Server(("127.0.0.1", args.port), Handler)
    sys.stdout.write("READY %d\n" % httpd.server_address[1])
    sys.stdout.flush()
    try:
        httpd.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        httpd.server_close()
    # Daemon threads (a blackholed request) must not delay the exit.
    os._exit(0)


if __name__ == "__main__":
    main()
