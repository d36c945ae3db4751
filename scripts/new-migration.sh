#!/usr/bin/env bash
# Creates a paired migration: migrations/{sqlite,postgres}/NNNN_<name>.sql, same number and name.
set -euo pipefail
name=${1:?usage: scripts/new-migration.sh snake_case_name}
[[ $name =~ ^[a-z0-9_]+$ ]] || { echo "name must be snake_case" >&2; exit 1; }
cd "$(dirname "$0")/.."
last=$(ls migrations/sqlite | sed -n 's/^\([0-9]\{4\}\)_.*/\1/p' | sort | tail -n1)
next=$(printf '%04d' $((10#${last:-0} + 1)))
for db in sqlite postgres; do
  f="migrations/$db/${next}_${name}.sql"
  printf -- '-- %s (%s)\n' "$name" "$db" > "$f"
  echo "created $f"
done
