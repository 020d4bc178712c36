#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, format, lints, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
bash scripts/check-deps.sh
cargo test --workspace --locked
# Bounded fuzzing of every reader and parser (skips without nightly + cargo-fuzz).
bash scripts/fuzz.sh
# Browser tests and the native-vs-WASM ranking check (Node + Debian's Chromium).
cargo build -p mcdewey --locked
(cd browser-tests && npm install --no-audit --no-fund --silent && npm test)
