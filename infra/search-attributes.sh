#!/usr/bin/env bash
# Registers Hostflow's custom search attributes on a self-hosted Temporal cluster, so workflows can
# set them and operators can filter on them. Safe to run on every deploy: an attribute that already
# exists with the same type counts as success; one with another type stops it before any change.
#
# Connection comes from the standard temporal CLI environment (TEMPORAL_ADDRESS,
# TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, or a TEMPORAL_PROFILE in temporal.toml).
# TEMPORAL_CLI names the binary if `temporal` is not on PATH.
# Temporal Cloud does not take this call: there, use `tcld namespace search-attributes add`.
#
#   infra/search-attributes.sh          register them
#   infra/search-attributes.sh --list   print Name=Type, one a line
set -euo pipefail

# Stated once here; test/temporal-dev-server.test.ts checks it matches temporal-dev.yaml, which
# registers the same list on the dev server.
ATTRIBUTES=(InstanceId CustomerId Plan Region InstanceStatus Operation Health)
TYPE=Keyword

if [[ "${1:-}" == "--list" ]]; then
  for name in "${ATTRIBUTES[@]}"; do echo "$name=$TYPE"; done
  exit 0
fi

temporal="${TEMPORAL_CLI:-temporal}"
if ! command -v "$temporal" >/dev/null 2>&1; then
  echo "error: the temporal CLI was not found; put it on PATH or set TEMPORAL_CLI" \
    "(npx tsx scripts/temporal-cli.ts finds or builds one)" >&2
  exit 1
fi

namespace="${TEMPORAL_NAMESPACE:-default}"
proto_type="INDEXED_VALUE_TYPE_$(tr '[:lower:]' '[:upper:]' <<<"$TYPE")"

listing=$("$temporal" operator search-attribute list --output json 2>&1) || {
  echo "error: could not list the search attributes of namespace $namespace:" >&2
  echo "$listing" >&2
  exit 1
}

# The type an attribute has now (INDEXED_VALUE_TYPE_...), or nothing if it does not exist.
current_type() {
  grep -o "\"$1\": *\"[A-Z_]*\"" <<<"$listing" | head -n 1 | sed 's/.*"\([A-Z_]*\)"$/\1/' || true
}

# Check every attribute before changing anything, so a conflict leaves the namespace as it was.
conflicts=()
for name in "${ATTRIBUTES[@]}"; do
  current=$(current_type "$name")
  if [[ -n "$current" && "$current" != "$proto_type" ]]; then
    conflicts+=("$name is ${current#INDEXED_VALUE_TYPE_}")
  fi
done
if ((${#conflicts[@]})); then
  echo "error: in namespace $namespace, search attributes exist with another type than $TYPE:" \
    "$(IFS=,; echo "${conflicts[*]}" | sed 's/,/, /g'). Hostflow's visibility queries need $TYPE;" \
    "remove or rename them first. Nothing was changed." >&2
  exit 1
fi

for name in "${ATTRIBUTES[@]}"; do
  if [[ "$(current_type "$name")" == "$proto_type" ]]; then
    echo "ok: $name ($TYPE, already registered)"
  elif out=$("$temporal" operator search-attribute create --name "$name" --type "$TYPE" 2>&1); then
    echo "ok: $name ($TYPE, added)"
  else
    echo "error: could not register search attribute $name in namespace $namespace:" >&2
    echo "$out" >&2
    exit 1
  fi
done
