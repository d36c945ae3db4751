#!/usr/bin/env bash
# cargo deny, offline: licenses, bans (duplicate versions, wildcards) and sources
# (crates.io only), as configured in deny.toml. Advisories need the RustSec database
# from the network and are left to `cargo deny check advisories` run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-deny >/dev/null; then
  # Not preinstalled on a fresh machine: a one-off build from crates.io.
  cargo install --locked cargo-deny
fi
# cargo metadata wants every platform's crates (winapi too) in the local cache.
cargo fetch --locked --quiet
cargo deny --offline check licenses bans sources
