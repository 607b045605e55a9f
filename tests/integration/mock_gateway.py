#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mock_gateway.py - a local HTTPS mock of SMS gateway HTTP APIs, for tests.

Usage:
  mock_gateway.py --port P --cert C --key K --log FILE [--http] [--no-faults]
                  [--keep-alive]
                  [--twilio-token T] [--vonage-key K] [--vonage-secret S]
                  [--generic-token T] [--kannel-user U] [--kannel-pass P]

Serves on 127.0.0.1:P (P = 0 picks a free port), HTTPS with certificate C
and key K unless --http is given (plain HTTP, for insecure_http tests).
Replies close their connection unless --keep-alive is given.
When listening it prints "READY <port>" on stdout and flushes. Each request
is appended to FILE as one JSON line, written before the reply is sent:
  {"method", "path", "query", "args": {query parameters}, "headers":
   {name: value, ...} (Authorization included), "body": raw text, "form":
   {field: value} (form bodies), "json": value (JSON bodies), "api",
   "t": time.time() when the request was read (bench/run's send path),
   "conn": the number of the connection it came on, from 1}
Stops on SIGTERM or SIGINT. Standard library only; run with /usr/bin/python3.

APIs (ROUTES):
  twilio   POST /2010-04-01/Accounts/{AccountSid}/Messages.json, Basic auth
           AccountSid:--twilio-token, form To, From|MessagingServiceSid, Body;
           201 {"sid": "SM"+32 hex, ...}; errors {"code", "message", ...}
           (401 code 20003 bad credentials, 400 21604/21603/21602 missing).
  vonage   POST /sms/json, form api_key, api_secret, from, to (digits only,
           else status "3"), text; always HTTP 200 with {"message-count",
           "messages": [{"to", "message-id", "status": "0", ...}]} or
           [{"status": "N", "error-text"}]: "2" missing parameter, "4" bad
           credentials (--vonage-key/--vonage-secret).
  generic  POST /v1/messages (JSON or form body) or GET /v1/messages?...,
           fields to and text, header "Authorization: Bearer
           --generic-token"; 200 {"id": "msg-"+hex, "status": "queued"};
           401 {"error"}, 400 {"error"} when to or text is missing.
  kannel   GET /cgi-bin/sendsms?username=&password=&to=&text= (Kannel's
           smsbox, --kannel-user/--kannel-pass); 202 "0: Accepted for
           delivery"; 403 "Authorization failed for sendsms"; 400 "Missing
           receiver number, rejected"; a POST that is not text/plain gets 400
           "Invalid content-type".

Magic destination numbers (digits of the number; "+" ignored). Faults for
every API (unless --no-faults):
  15005550003  429, header Retry-After: 7
  15005550004  500
  15005550005  the API's success status with malformed JSON
  15005550006  blackhole: waits 30 s before answering (503)
  15005550007  success status with an endless body, streamed until the
               client leaves
  15005550008  302 redirect to http://127.0.0.1:1/
  15005550009  trickle: the whole reply (200) at 1 byte per second
  15005550010  302 redirect to file:///etc/passwd
Per API (also with --no-faults):
  15005550001  invalid number: twilio 400 code 21211; vonage status "6";
               generic 400; kannel 403 "Number(s) has/have been denied by
               white- and/or black-lists."
  15005550002  credentials refused: twilio 401 code 20003; vonage status
               "4"; generic 401; kannel 403 "Authorization failed ..."
  15005550011  vonage status "1" (throttled); kannel 202 "3: Queued for
               later delivery"; generic 503
  15005550012  vonage status "29" (non-whitelisted destination); kannel
               503 "Sendsms: queue full"
  15005550013  vonage: two parts, the second with status "5"
Any other number succeeds. Connection refused (a closed port), TLS with
self-signed, wrong-host or expired certificates (other --cert files) and a
wrong pin (a client setting) need no magic number.
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
TRICKLE_LIMIT = 300  # bytes (seconds) at most
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
    vonage_key = "test-key"
    vonage_secret = "test-secret"
    generic_token = "test-generic-token"
    kannel_user = "tester"
    kannel_pass = "foobar"
    faults = True
    tls = None  # ssl.SSLContext, or None for plain HTTP
    keep_alive = False  # replies without "Connection: close"
    conns = 0  # connections accepted so far (each request logs its own)
    conns_lock = threading.Lock()


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


def digits_of(number):
    return (number or "").lstrip("+")


# --- faults common to every API ----------------------------------------------

def common_fault(h, api, number):
    """Serve the fault that number selects; False when it selects none."""
    d = digits_of(number)
    if not Config.faults or not d.startswith("150055500"):
        return False
    if d == "15005550003":
        api.error(h, 429, "Too Many Requests", {"Retry-After": "7"})
    elif d == "15005550004":
        api.error(h, 500, "Internal Server Error")
    elif d == "15005550005":
        h.send_raw(api.ok_status, b'{"sid": "SM0123", "status": "queu',
                   "application/json")
    elif d == "15005550006":
        time.sleep(BLACKHOLE_SECONDS)
        api.error(h, 503, "Service Unavailable")
    elif d == "15005550007":
        h.send_endless(api.ok_status)
    elif d == "15005550008":
        h.send_raw(302, b"", "text/plain", {"Location": "http://127.0.0.1:1/"})
    elif d == "15005550009":
        h.send_trickle()
    elif d == "15005550010":
        h.send_raw(302, b"", "text/plain", {"Location": "file:///etc/passwd"})
    else:
        return False
    return True


# --- Twilio ----------------------------------------------------------------

def twilio_error(h, status, code, message, headers=None):
    h.send_json(status, {
        "code": code,
        "message": message,
        "more_info": "https://www.twilio.com/docs/errors/%d" % code,
        "status": status,
    }, headers)


class TwilioApi:
    ok_status = 201

    @staticmethod
    def error(h, status, message, headers=None):
        twilio_error(h, status, 20000 + status, message, headers)


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
    elif common_fault(h, TwilioApi, to):
        pass
    else:
        sid = "SM" + secrets.token_hex(16)
        now = email.utils.formatdate(usegmt=True)
        msid = form.get("MessagingServiceSid")
        uri = "/2010-04-01/Accounts/%s/Messages/%s" % (account, sid)
        h.send_json(201, {
            "sid": sid, "account_sid": account, "to": to,
            "from": form.get("From"), "messaging_service_sid": msid,
            "body": form["Body"],
            "status": "accepted" if msid and not form.get("From")
            else "queued",
            "num_segments": "1", "num_media": "0",
            "direction": "outbound-api", "api_version": "2010-04-01",
            "date_created": now, "date_updated": now, "date_sent": None,
            "price": None, "price_unit": "USD", "error_code": None,
            "error_message": None, "uri": uri + ".json",
            "subresource_uris": {"media": uri + "/Media.json"},
        })


# --- Vonage SMS API ----------------------------------------------------------

class VonageApi:
    ok_status = 200

    @staticmethod
    def error(h, status, message, headers=None):
        h.send_json(status, {"type": "about:blank", "title": message,
                             "status": status}, headers)


def vonage_status(h, status, text, parts=None):
    msgs = parts or [{"status": status, "error-text": text}]
    h.send_json(200, {"message-count": str(len(msgs)), "messages": msgs})


def vonage_ok(to):
    return {"to": to, "message-id": secrets.token_hex(8).upper(),
            "status": "0", "remaining-balance": "3.14159265",
            "message-price": "0.03330000", "network": "23410"}


def vonage_sms(h, m):
    f = h.form
    for k in ("api_key", "api_secret", "from", "to", "text"):
        if not f.get(k):
            vonage_status(h, "2", "Missing %s" % k)
            return
    if f["api_key"] != Config.vonage_key or \
            f["api_secret"] != Config.vonage_secret:
        vonage_status(h, "4", "Bad Credentials")
        return
    to = f["to"]
    if not to.isdigit():
        vonage_status(h, "3", "Invalid to address")
    elif to == "15005550001":
        vonage_status(h, "6", "Unroutable message - rejected")
    elif to == "15005550002":
        vonage_status(h, "4", "Bad Credentials")
    elif to == "15005550011":
        vonage_status(h, "1", "Throughput Rate Exceeded - please wait "
                      "[ 10 ] and retry")
    elif to == "15005550012":
        vonage_status(h, "29", "Non White-listed Destination - rejected")
    elif to == "15005550013":
        vonage_status(h, None, None, [vonage_ok(to), {
            "status": "5", "error-text": "Internal Error"}])
    elif not common_fault(h, VonageApi, to):
        vonage_status(h, None, None, [vonage_ok(to)])


# --- a generic JSON API ------------------------------------------------------

class GenericApi:
    ok_status = 200

    @staticmethod
    def error(h, status, message, headers=None):
        h.send_json(status, {"error": message}, headers)


def generic_messages(h, m):
    if h.headers.get("Authorization") != "Bearer " + Config.generic_token:
        GenericApi.error(h, 401, "unauthorized")
        return
    if h.command == "GET":
        f = h.args
    elif isinstance(h.json, dict):
        f = h.json
    else:
        f = h.form
    to, text = f.get("to"), f.get("text")
    if not isinstance(to, str) or not isinstance(text, str) or not to or \
            not text:
        GenericApi.error(h, 400, "to and text are required")
    elif digits_of(to) == "15005550001":
        GenericApi.error(h, 400, "invalid number")
    elif digits_of(to) == "15005550002":
        GenericApi.error(h, 401, "unauthorized")
    elif digits_of(to) == "15005550011":
        GenericApi.error(h, 503, "try later")
    elif not common_fault(h, GenericApi, to):
        h.send_json(200, {"id": "msg-" + secrets.token_hex(8),
                          "status": "queued"})


# --- Kannel smsbox sendsms ---------------------------------------------------

class KannelApi:
    ok_status = 202

    @staticmethod
    def error(h, status, message, headers=None):
        h.send_raw(status, message.encode(), "text/html", headers)


def kannel_sendsms(h, m):
    if h.command == "POST":
        KannelApi.error(h, 400, "Invalid content-type")
        return
    f = h.args
    if f.get("username") != Config.kannel_user or \
            f.get("password") != Config.kannel_pass:
        KannelApi.error(h, 403, "Authorization failed for sendsms")
        return
    to = f.get("to")
    if not to:
        KannelApi.error(h, 400, "Missing receiver number, rejected")
    elif digits_of(to) == "15005550001":
        KannelApi.error(h, 403, "Number(s) has/have been denied by white- "
                        "and/or black-lists.")
    elif digits_of(to) == "15005550002":
        KannelApi.error(h, 403, "Authorization failed for sendsms")
    elif digits_of(to) == "15005550011":
        KannelApi.error(h, 202, "3: Queued for later delivery")
    elif digits_of(to) == "15005550012":
        KannelApi.error(h, 503, "Sendsms: queue full")
    elif not common_fault(h, KannelApi, to):
        KannelApi.error(h, 202, "0: Accepted for delivery")


# (methods, path regex, api name, handler)
ROUTES = [
    (("POST",), re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})"
                           r"/Messages\.json$"), "twilio", twilio_messages),
    (("POST",), re.compile(r"^/sms/json$"), "vonage", vonage_sms),
    (("POST", "GET"), re.compile(r"^/v1/messages$"), "generic",
     generic_messages),
    (("POST", "GET"), re.compile(r"^/cgi-bin/sendsms$"), "kannel",
     kannel_sendsms),
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-gateway/1"
    timeout = 60  # per connection: a stuck client cannot pin a thread

    def setup(self):
        with Config.conns_lock:
            Config.conns += 1
            self.conn = Config.conns
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
            if not Config.keep_alive:
                self.send_header("Connection", "close")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except QUIET_ERRORS as e:
            raise Gone() from e
        self.close_connection = not Config.keep_alive

    def send_json(self, status, obj, headers=None):
        self.send_raw(status, json.dumps(obj).encode(), "application/json",
                      headers)

    def send_trickle(self):
        reply = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 200\r\nConnection: close\r\n\r\n" +
                 b"{" + b" " * 198 + b"}")
        try:
            for i in range(min(len(reply), TRICKLE_LIMIT)):
                self.wfile.write(reply[i:i + 1])
                self.wfile.flush()
                time.sleep(1)
        except QUIET_ERRORS as e:
            raise Gone() from e
        self.close_connection = True

    def send_endless(self, status=200):
        chunk = b"x" * ENDLESS_CHUNK
        sent = 0
        try:
            self.send_response(status)
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
            "t": time.time(),
            "conn": self.conn,
        }
        self.args = dict(urllib.parse.parse_qsl(url.query,
                                                keep_blank_values=True))
        if self.args:
            entry["args"] = self.args
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        self.form = {}
        self.json = None
        if ctype.strip() == "application/x-www-form-urlencoded":
            self.form = dict(urllib.parse.parse_qsl(text,
                                                    keep_blank_values=True))
            entry["form"] = self.form
        elif ctype.strip() == "application/json":
            try:
                self.json = entry["json"] = json.loads(text)
            except ValueError:
                entry["json"] = None
        for methods, rx, api, fn in ROUTES:
            m = rx.match(url.path)
            if m and self.command in methods:
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
    ap.add_argument("--keep-alive", action="store_true",
                    help="keep connections open between requests")
    ap.add_argument("--no-faults", action="store_true",
                    help="no common faults: every API just works")
    for opt in ("twilio_token", "vonage_key", "vonage_secret",
                "generic_token", "kannel_user", "kannel_pass"):
        ap.add_argument("--" + opt.replace("_", "-"),
                        default=getattr(Config, opt))
    args = ap.parse_args()

    Config.log_path = args.log
    Config.faults = not args.no_faults
    Config.keep_alive = args.keep_alive
    for opt in ("twilio_token", "vonage_key", "vonage_secret",
                "generic_token", "kannel_user", "kannel_pass"):
        setattr(Config, opt, getattr(args, opt))
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
