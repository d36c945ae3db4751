# A menu over the scripts and cargo commands; `just` may be missing on a fresh machine,
# so every recipe is also runnable by hand.

default:
    @just --list

# Run the gateway on the embedded SQLite default.
run:
    cargo run -p scimgate -- serve

# Every test, on SQLite and PostgreSQL.
test *ARGS:
    scripts/test.sh {{ARGS}}

# Formatting and clippy as CI runs them.
lint:
    scripts/lint.sh

# What CI runs.
ci:
    bash .ci/run

# A paired migration: just migration add_users
migration NAME:
    scripts/new-migration.sh {{NAME}}

# Every benchmark scenario, both backends, 10k and 100k users (~10 min); rewrites
# the results in docs/benchmarks.md. Extra arguments go to scimgate-bench.
bench *ARGS:
    scripts/bench.sh {{ARGS}}

# perf profile of the release gateway under lookups or creates: just profile lookup 10
profile KIND *ARGS:
    scripts/profile.sh {{KIND}} {{ARGS}}

# A one-to-two-minute smoke run of the same scenarios; changes no file.
bench-quick *ARGS:
    scripts/bench.sh --quick {{ARGS}}

# cargo deny, offline: licenses, bans, duplicate versions, sources (deny.toml).
deny:
    scripts/deny.sh

# Fuzz every cargo-fuzz target for SECONDS each (default 60), from fuzz/seeds.
fuzz SECONDS="60":
    scripts/fuzz.sh {{SECONDS}}

# The long soak: the mixed workload for SECONDS (default 600) on each backend.
soak SECONDS="600":
    SCIMGATE_SOAK_SECONDS={{SECONDS}} cargo test -p scimgate --test e2e mixed_workload_soak -- --nocapture --test-threads 1

# schemathesis against the admin API's OpenAPI document on a fresh gateway.
schemathesis:
    scripts/schemathesis.sh
