#!/usr/bin/env bash
# schemathesis (PyPI) against the admin API's OpenAPI document on a fresh gateway:
# a throwaway SQLite database, a workspace and an admin API key made with the CLI,
# then every documented operation with generated input. Fails on any 5xx or a
# response that does not match the document. The gateway is stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v schemathesis >/dev/null || python3 -m pip install --quiet schemathesis
# SCIMGATE_BIN: a scimgate binary already built (CI's test build); else build one.
bin=${SCIMGATE_BIN:-}
if [ -z "$bin" ]; then
  cargo build --locked -p scimgate
  bin="${CARGO_TARGET_DIR:-target}/debug/scimgate"
fi
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export SCIMGATE_DATABASE_URL="sqlite://$work/scimgate.db" RUST_LOG=warn
"$bin" workspace create --name "Schema Check" >/dev/null
key=$("$bin" --json admin api-key create --workspace schema-check --name schemathesis |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
"$bin" serve --listen 127.0.0.1:0 >"$work/out" 2>"$work/log" &
pid=$!
for _ in $(seq 1 200); do grep -q '^listening on ' "$work/out" && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$work/out")
[ -n "$base" ] || { echo "the gateway did not start" >&2; cat "$work/log" >&2; exit 1; }
schemathesis run "$base/admin/api/openapi.json" \
  --url "$base" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
  --request-timeout 10
