#!/usr/bin/env bash
# Syntax-checks every HAProxy config in this directory with "haproxy -c",
# using throw-away certificates and dummy values for the PANTRY_* variables.
# Usage: bash deploy/haproxy/check.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=dummy" \
  -keyout "$tmp/server.key" -out "$tmp/server.crt" 2>/dev/null
cat "$tmp/server.crt" "$tmp/server.key" >"$tmp/server.pem"
cp "$tmp/server.crt" "$tmp/ca.crt"

export PANTRY_LISTEN=127.0.0.1:18443
export PANTRY_CERTS=$tmp
export PANTRY_UPSTREAM=127.0.0.1:19090

status=0
for cfg in "$here"/haproxy.cfg "$here"/pitfalls/*.cfg; do
  rel=${cfg#"$here"/}
  if out=$(haproxy -c -f "$cfg" 2>&1); then
    echo "ok $rel"
  else
    echo "FAIL $rel"
    echo "$out"
    status=1
  fi
done
exit $status
