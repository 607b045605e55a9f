#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# mkcerts.sh DIR - make a test CA and server certificates for the HTTPS mocks.
#
# Writes into DIR (created if needed), keys mode 0600, certificates 0644:
#   ca.pem ca.key              the test CA
#   good.pem good.key          signed by the CA; SANs localhost, api.twilio.com,
#                              rest.nexmo.com, 127.0.0.1, ::1
#   good.pin                   "sha256//BASE64" of good's public key
#                              (CURLOPT_PINNEDPUBLICKEY form)
#   wronghost.pem wronghost.key  signed by the CA, SAN DNS:wrong.example only
#   self.pem self.key          self-signed, SAN IP:127.0.0.1
#   expired.pem expired.key    signed by the CA, valid only in January 2020
#                              (made with `openssl ca -startdate/-enddate`)
# Prints nothing on success; on failure prints openssl's messages and exits 1.
# Idempotent: when every file is already there it does nothing.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
files="ca.pem ca.key good.pem good.key good.pin wronghost.pem wronghost.key
self.pem self.key expired.pem expired.key"

mkdir -p "$dir"
all=1
for f in $files; do
	[ -s "$dir/$f" ] || all=0
done
[ "$all" = 1 ] && exit 0

umask 077
work=$(mktemp -d "$dir/.mkcerts.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
log=$work/openssl.log
: >"$log"

ossl() {
	if ! openssl "$@" >>"$log" 2>&1; then
		echo "mkcerts.sh: openssl $1 failed:" >&2
		cat "$log" >&2
		exit 1
	fi
}

cat >openssl.cnf <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ leaf_good ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:api.twilio.com, DNS:rest.nexmo.com, IP:127.0.0.1, IP:::1
authorityKeyIdentifier = keyid
[ leaf_wrong ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
authorityKeyIdentifier = keyid
[ leaf_self ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[ ca ]
default_ca = testca
[ testca ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
copy_extensions = none
unique_subject = no
[ anything ]
commonName = supplied
EOF

export OPENSSL_CONF="$work/openssl.cnf"
newkey="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

# The CA.
# shellcheck disable=SC2086
ossl req -config openssl.cnf -x509 $newkey -keyout ca.key -out ca.pem \
	-days 3650 -subj "/CN=pam_smsotp test CA" -extensions v3_ca

# CA-signed leaves: NAME CN EXTENSIONS SERIAL
leaf() {
	# shellcheck disable=SC2086
	ossl req -config openssl.cnf -new $newkey -keyout "$1.key" \
		-out "$1.csr" -subj "/CN=$2"
	ossl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "$4" \
		-days 825 -sha256 -extfile openssl.cnf -extensions "$3" \
		-out "$1.pem"
}
leaf good localhost leaf_good 1001
leaf wronghost wrong.example leaf_wrong 1002

# Self-signed for 127.0.0.1.
# shellcheck disable=SC2086
ossl req -config openssl.cnf -x509 $newkey -keyout self.key -out self.pem \
	-days 825 -subj "/CN=127.0.0.1" -extensions leaf_self

# Expired: OpenSSL 3.0's x509 -req cannot backdate; `openssl ca` can.
: >index.txt
echo 1003 >serial
# shellcheck disable=SC2086
ossl req -config openssl.cnf -new $newkey -keyout expired.key \
	-out expired.csr -subj "/CN=localhost"
ossl ca -config openssl.cnf -batch -notext -cert ca.pem -keyfile ca.key \
	-startdate 20200101000000Z -enddate 20200131000000Z \
	-extfile openssl.cnf -extensions leaf_good -in expired.csr \
	-out expired.pem

# The pin of good's public key.
openssl x509 -in good.pem -pubkey -noout 2>>"$log" |
	openssl pkey -pubin -outform der 2>>"$log" |
	openssl dgst -sha256 -binary 2>>"$log" |
	openssl base64 -A >pin.b64 2>>"$log"
if [ ! -s pin.b64 ]; then
	echo "mkcerts.sh: computing the pin failed:" >&2
	cat "$log" >&2
	exit 1
fi
printf 'sha256//%s\n' "$(cat pin.b64)" >good.pin

chmod 0644 ca.pem good.pem good.pin wronghost.pem self.pem expired.pem
chmod 0600 ca.key good.key wronghost.key self.key expired.key
for f in $files; do
	mv -f "$f" "../$f"
done
