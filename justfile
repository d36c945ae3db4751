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

# Every benchmark scenario, both backends, 10k and 100k users (~12 min); rewrites
# the results in docs/benchmarks.md. Extra arguments go to scimgate-bench.
bench *ARGS:
    scripts/bench.sh {{ARGS}}

# A one-to-two-minute smoke run of the same scenarios; changes no file.
bench-quick *ARGS:
    scripts/bench.sh --quick {{ARGS}}
