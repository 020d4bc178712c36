#!/usr/bin/env bash
# Shows that scripts/check-deps.sh fails when a pure crate gains a forbidden
# dependency: each case copies the workspace's manifests and sources to a
# temporary directory, adds one dependency with `cargo add --offline` (the
# crates are in the lock file and the local registry cache already, through
# the generator and the WASM facade), and runs the check there. The
# unchanged copy must pass, so a failure comes from the added dependency.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git ls-files -z -- Cargo.toml Cargo.lock scripts/check-deps.sh generator search-core search-wasm import \
  | xargs -0 cp --parents -t "$tmp"
# The copy is its own workspace; keep cargo from writing target/ anywhere.
export CARGO_TARGET_DIR="$tmp/target"

pass=0
fail=0
verdict() { # NAME OK
  if [ "$2" = ok ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}

base="$tmp/base"
mkdir "$base"
(cd "$tmp" && find . -mindepth 1 -maxdepth 1 ! -name base ! -name target -exec mv {} base/ \;)
if out=$(bash "$base/scripts/check-deps.sh" 2>&1); then
  verdict "the unchanged workspace passes" ok
else
  verdict "the unchanged workspace passes" no
  echo "$out" >&2
fi

# CRATE-DIR PACKAGE DEP: adding DEP to PACKAGE must fail the check, naming both.
case_fails() {
  local dir="$tmp/$2-$3"
  cp -r "$base" "$dir"
  if ! cargo add --offline --quiet --manifest-path "$dir/$1/Cargo.toml" "$3" >/dev/null 2>"$dir.add"; then
    verdict "$2 + $3: cargo add --offline ($(tail -1 "$dir.add"))" no
    return
  fi
  local out code=0
  out=$(bash "$dir/scripts/check-deps.sh" 2>&1) || code=$?
  if [ "$code" -eq 1 ] && grep -q "$2 must not depend on $3" <<<"$out"; then
    verdict "$2 + $3 fails the check" ok
  else
    verdict "$2 + $3 fails the check (exit $code)" no
    echo "$out" >&2
  fi
}

# A lock file that no longer fits the manifests stops the check (exit 2)
# instead of reading as "not in the graph".
stale="$tmp/stale"
cp -r "$base" "$stale"
cargo add --offline --quiet --manifest-path "$stale/search-core/Cargo.toml" tokio >/dev/null 2>&1 || true
cp "$base/Cargo.lock" "$stale/Cargo.lock"
code=0
out=$(bash "$stale/scripts/check-deps.sh" 2>&1) || code=$?
if [ "$code" -eq 2 ] && grep -q "cargo tree" <<<"$out"; then
  verdict "a stale lock file stops the check" ok
else
  verdict "a stale lock file stops the check (exit $code)" no
  echo "$out" >&2
fi

case_fails search-core mcdewey-search-core tokio
case_fails import mcdewey-import axum
case_fails search-core mcdewey-search-core wasm-bindgen

echo "check-deps-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
