#!/usr/bin/env bash
# Generates TLS and client-certificate test material for the MfaPhone emulator with the openssl CLI.
#   gen-test-certs.sh OUTDIR
# Creates (each only if missing, so the script is idempotent):
#   ca.pem / ca.key          test certificate authority
#   server.pem / server.key  server certificate for 127.0.0.1 and localhost, signed by the CA
#   client.pem / client.key  client certificate + key for the Entra certificate flow (client assertion)
#   signing.key              RSA key for the emulator's token signing (--signing-key), so that runs
#                            with the same key are byte-reproducible
# Keys are generated here, at build or test time; none is ever committed.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
cd "$out"
umask 077

if [[ ! -s ca.pem || ! -s ca.key ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout ca.key -out ca.pem -subj "/CN=MfaPhone Emulator Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  rm -f server.pem server.key
fi

if [[ ! -s server.pem || ! -s server.key ]]; then
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr \
    -subj "/CN=127.0.0.1" 2>/dev/null
  cat > server.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EXT
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out server.pem -days 825 -sha256 -extfile server.ext 2>/dev/null
  rm -f server.csr server.ext ca.srl
fi

if [[ ! -s client.pem || ! -s client.key ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 730 \
    -keyout client.key -out client.pem -subj "/CN=MfaPhone test client" 2>/dev/null
fi

if [[ ! -s signing.key ]]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out signing.key 2>/dev/null
fi

chmod 0644 ca.pem server.pem client.pem
echo "test certificates in $(pwd): ca.pem server.pem server.key client.pem client.key signing.key"
