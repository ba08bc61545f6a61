#!/bin/sh
# generate.sh — make the test-only certificates used by the scripted servers
#
# Run from this directory.  The keys are for tests only and protect nothing.
#   ca.pem           test CA
#   server.pem/.key  localhost + 127.0.0.1, signed by the CA, valid for a century
#   wronghost.pem    signed by the CA for wrong.example.org only
#   expired.pem      localhost, signed by the CA, expired in 2021
#   selfsigned.pem   localhost, self-signed (no CA vouches for it)
# All leaf certificates share server.key.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl genrsa -out "$work/ca.key" 2048
openssl genrsa -out server.key 2048

mkdir -p "$work/db/new"
: > "$work/db/index.txt"
echo 1000 > "$work/db/serial"
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = test
[ test ]
dir = $work/db
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[ any ]
commonName = supplied
[ localhost ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ selfsigned ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[ wronghost ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example.org
CNF

sign() { # name cn extensions startdate enddate
  openssl req -new -key server.key -subj "/CN=$2" -out "$work/$1.csr"
  openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile "$work/ca.key" \
    -extensions "$3" -startdate "$4" -enddate "$5" -in "$work/$1.csr" -out "$work/$1.full" 2>/dev/null
  openssl x509 -in "$work/$1.full" -out "$1.pem"
}
# Certificates start in 2020 so that a machine whose clock is behind still
# accepts them; "openssl ca" can set both dates, "req -x509" cannot.
openssl req -new -key "$work/ca.key" -subj "/CN=Hongyan Test CA" -out "$work/ca.csr"
openssl ca -batch -selfsign -config "$work/ca.cnf" -keyfile "$work/ca.key" -extensions ca_ext \
  -startdate 20200101000000Z -enddate 21200101000000Z -in "$work/ca.csr" -out "$work/ca.full" 2>/dev/null
openssl x509 -in "$work/ca.full" -out ca.pem

sign server localhost localhost 20200101000000Z 21200101000000Z
sign wronghost wrong.example.org wronghost 20200101000000Z 21200101000000Z
sign expired localhost localhost 20200101000000Z 20210101000000Z

openssl req -new -key server.key -subj "/CN=localhost" -out "$work/self.csr"
openssl ca -batch -selfsign -config "$work/ca.cnf" -keyfile server.key -extensions selfsigned \
  -startdate 20200101000000Z -enddate 21200101000000Z -in "$work/self.csr" -out "$work/self.full" 2>/dev/null
openssl x509 -in "$work/self.full" -out selfsigned.pem
