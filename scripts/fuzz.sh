#!/usr/bin/env bash
# Bounded fuzzing: every cargo-fuzz target for SECONDS (default 60) each, starting
# from the committed seeds in fuzz/seeds/<target>; new inputs go to a temporary
# corpus, so the tree stays clean. A crash stops the run and leaves its input in
# fuzz/artifacts/<target>/: turn it into a regression unit test in the owning crate.
# cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP lets the stable toolchain pass them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
for target in $(cargo fuzz list); do
  work=$(mktemp -d)
  echo "fuzz: $target for ${seconds}s"
  cargo fuzz run "$target" "$work" "seeds/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
  rm -rf "$work"
done
