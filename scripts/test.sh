#!/usr/bin/env bash
# The test command: unit tests, storage conformance and the black-box e2e suite,
# each storage and e2e test on SQLite and on PostgreSQL.
# PostgreSQL: SCIMGATE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres);
# tests create and drop their own databases there.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test --workspace --locked "$@"
