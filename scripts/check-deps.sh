#!/usr/bin/env bash
# Dependency invariants (ARCHITECTURE.md): the pure crates pull in no async
# runtime, web server or wasm-bindgen. `cargo tree -i` lists who depends on a
# crate; any output naming it means the invariant is broken.
# scripts/check-deps-test.sh shows that this check fails when one is added.
set -euo pipefail
cd "$(dirname "$0")/.."

# pulls CRATE DEP: true when DEP is in CRATE's normal or build graph. A
# cargo failure other than "DEP is not in the graph" (a stale lock file, a
# broken manifest) stops the check rather than passing it.
pulls() {
  local out
  if out=$(cargo tree --locked --offline -p "$1" -e normal,build -i "$2" --prefix none 2>&1); then
    grep -q "^$2 v" <<<"$out"
  elif grep -q "did not match any packages" <<<"$out"; then
    return 1
  else
    echo "check-deps: cargo tree -p $1 -i $2 failed:" >&2
    echo "$out" >&2
    exit 2
  fi
}

# The check must be able to fail: the generator does use tokio.
if ! pulls mcdewey tokio; then
  echo "check-deps: self-check failed (mcdewey should depend on tokio)" >&2
  exit 1
fi

status=0
for crate in mcdewey-search-core mcdewey-import; do
  for dep in tokio axum hyper wasm-bindgen rmcp reqwest; do
    if pulls "$crate" "$dep"; then
      echo "check-deps: $crate must not depend on $dep:" >&2
      cargo tree --locked --offline -p "$crate" -e normal,build -i "$dep" >&2 || true
      status=1
    fi
  done
done
[ $status -eq 0 ] && echo "check-deps: search-core and import pull no tokio, axum, hyper, wasm-bindgen, rmcp or reqwest"
exit $status
