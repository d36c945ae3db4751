#!/usr/bin/env bash
# schemathesis (PyPI) against the admin API's OpenAPI document on a fresh gateway:
# a throwaway SQLite database, a workspace admin signed in through the real login
# form, then every documented operation with generated input. Fails on any 5xx or a
# response that does not match the document. The gateway is stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v schemathesis >/dev/null || python3 -m pip install --quiet schemathesis
cargo build --locked -p scimgate
bin="${CARGO_TARGET_DIR:-target}/debug/scimgate"
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export SCIMGATE_DATABASE_URL="sqlite://$work/scimgate.db" RUST_LOG=warn
"$bin" workspace create --name "Schema Check" >/dev/null
password=$("$bin" --json admin create --workspace schema-check --email it@schema.test |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
"$bin" serve --listen 127.0.0.1:0 --signin-rate-limit off >"$work/out" 2>"$work/log" &
pid=$!
for _ in $(seq 1 200); do grep -q '^listening on ' "$work/out" && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$work/out")
[ -n "$base" ] || { echo "the gateway did not start" >&2; cat "$work/log" >&2; exit 1; }
jar="$work/cookies"
csrf=$(curl -sf -c "$jar" "$base/admin/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n1)
curl -sf -o /dev/null -b "$jar" -c "$jar" --data-urlencode "email=it@schema.test" \
  --data-urlencode "password=$password" --data-urlencode "csrf=$csrf" \
  --data-urlencode "next=/admin" "$base/admin/login"
session=$(awk '$6 == "scimgate_session" { print $7 }' "$jar")
[ -n "$session" ] || { echo "sign-in failed" >&2; exit 1; }
schemathesis run "$base/admin/api/openapi.json" \
  --url "$base" \
  --header "Cookie: scimgate_session=$session" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
  --request-timeout 10
