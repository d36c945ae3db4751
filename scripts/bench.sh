#!/usr/bin/env bash
# Benchmarks of issue #7: builds the gateway and the load tool in release mode, then
# runs every scenario against the real binary on SQLite and PostgreSQL, with the load
# client pinned to one core (taskset -c 0).
#
#   scripts/bench.sh          full run: 10k and 100k users, both backends (~10 min);
#                             rewrites the results block of docs/benchmarks.md,
#                             docs/benchmarks.json and docs/benchmarks.svg
#   scripts/bench.sh --quick  smoke run: 1k and 10k users, small counts (~1–2 min);
#                             prints the table, leaves the docs alone
#
# Extra arguments go to scimgate-bench (e.g. --backends sqlite). PostgreSQL comes from
# SCIMGATE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres);
# each run creates its own database there and drops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
export SCIMGATE_TEST_POSTGRES_URL=${SCIMGATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
cargo build --release -p scimgate -p scimgate-bench
bin=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release
# The load tool on core 0 (issue #7's set-up); the gateway and the database it starts
# are scheduled by the OS on every core. `--server-cpus 1` confines the gateway instead.
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
if [[ ${1:-} == --quick ]]; then
  shift
  args=(--quick --sizes 1000,10000 --workspaces 10)
else
  args=(--json docs/benchmarks.json --doc docs/benchmarks.md --plot docs/benchmarks.svg
    --before docs/benchmarks-before.json)
fi
echo "load before the run: $(uptime)" >&2
"${pin[@]}" "$bin/scimgate-bench" --gateway "$bin/scimgate" "${args[@]}" "$@"
