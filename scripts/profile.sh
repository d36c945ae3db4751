#!/usr/bin/env bash
# Where the release gateway spends its CPU on one request kind (issue #7's misses):
# perf samples the gateway, on an SQLite file with USERS users, while wrk on core 0
# sends the IdPs' `userName eq` lookup (with a bearer token, or with a JWT access
# token of a client_credentials grant) or user creates.
#
#   scripts/profile.sh lookup [SECONDS] [USERS]    default 10 s, 10000 users
#   scripts/profile.sh jwt [SECONDS] [USERS]       the same lookups with an access token
#   scripts/profile.sh create [SECONDS] [USERS]
#
# Prints perf's share of samples by thread and object and the top symbols; perf.data
# (and, with inferno installed, `cargo install inferno`, a flame graph) stays in the
# temporary directory it names. Needs perf (linux-perf) and wrk (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?lookup, jwt or create}
secs=${2:-10}
users=${3:-10000}
cargo build --release -p scimgate -p scimgate-bench
bin=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release
dir=$(mktemp -d)
export SCIMGATE_DATABASE_URL="sqlite://$dir/scimgate.db" RUST_LOG=info
export SCIMGATE_SCIM_RATE_LIMIT=off SCIMGATE_TOKEN_RATE_LIMIT=off SCIMGATE_SIGNIN_RATE_LIMIT=off
ws=$("$bin/scimgate" --json workspace create --name profile | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
token=$("$bin/scimgate" --json token create --workspace "$ws" --name profile | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
coproc GW { exec "$bin/scimgate" serve --listen 127.0.0.1:0 --log-format json 2>"$dir/gateway.log"; }
trap 'kill "$GW_PID" 2>/dev/null || true' EXIT
read -r line <&"${GW[0]}"
base=${line#listening on }/scim/v2
# The dataset: the bench's users `ext.user0…` (its quick SCIM scenarios, ~1–2 min).
taskset -c 0 "$bin/scimgate-bench" --base-url "$base" --token "$token" --server-pid "$GW_PID" \
  --quick --sizes "$users" >"$dir/bench.txt"
credential=$token
if [[ $kind == jwt ]]; then
  client=$("$bin/scimgate" --json client create --workspace "$ws" --name profile --redirect-uri http://127.0.0.1/cb)
  field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" <<<"$client"; }
  credential=$(curl -sf "${base%/scim/v2}/oauth/token" -d grant_type=client_credentials \
    -d client_id="$(field client_id)" -d client_secret="$(field client_secret)" |
    sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p')
  kind=lookup
fi
cat >"$dir/load.lua" <<'EOF'
local kind, n, users = os.getenv("KIND"), 0, tonumber(os.getenv("USERS"))
wrk.headers["Content-Type"] = "application/scim+json"
request = function()
  n = n + 1
  if kind == "lookup" then
    local path = string.format('/Users?filter=userName%%20eq%%20%%22ext.user%d@bench.example%%22', n % users)
    return wrk.format("GET", wrk.path .. path)
  end
  local body = string.format('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],' ..
    '"userName":"profile.user%d.%d@bench.example","name":{"givenName":"G","familyName":"F"},' ..
    '"emails":[{"value":"profile.user%d@bench.example","primary":true}],"active":true}', os.time(), n, n)
  return wrk.format("POST", wrk.path .. "/Users", nil, body)
end
EOF
KIND=$kind USERS=$users taskset -c 0 wrk -t1 -c32 -d"${secs}s" -s "$dir/load.lua" \
  -H "Authorization: Bearer $credential" "$base" >"$dir/wrk.txt" &
wrk_pid=$!
# DWARF call graphs: the release build keeps no frame pointers.
perf record -F 499 --call-graph dwarf,16384 -p "$GW_PID" -o "$dir/perf.data" -- sleep "$secs" 2>/dev/null
wait "$wrk_pid"
cat "$dir/wrk.txt"
# Samples by thread (tokio's workers, sqlx's SQLite worker threads) and object, then by symbol.
report() { perf report -i "$dir/perf.data" --no-children --stdio -g none "$@" 2>/dev/null | grep -v -e '^#' -e '^$'; }
report --sort comm,dso | head -12 || true
report --sort sym | head -40 || true
if command -v inferno-flamegraph >/dev/null; then
  perf script -i "$dir/perf.data" 2>/dev/null | inferno-collapse-perf | inferno-flamegraph >"$dir/flamegraph.svg"
  echo "flame graph: $dir/flamegraph.svg"
fi
echo "perf data: $dir/perf.data"
