#!/bin/sh
# Measure one model file on the doc-QA dev set and the IR collections and
# append a row to bench/results/semantic-train.tsv.
#   tools/train-retrieval/measure.sh STEP MODEL.mcdm
set -eu
step=$1
model=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=${TMPDIR:-/tmp}/train-retrieval-measure.$$
mkdir -p "$tmp"
cd "$root"
cargo run --release -q -p mcdewey-search-core --example ir_eval -- --model "$model" > "$tmp/ir.txt" || true
# qa_eval converts and caches the HTML sets under the temp directory: a
# private one keeps concurrent runs apart.
TMPDIR=$tmp cargo run --release -q -p mcdewey --example qa_eval -- \
    --model-file "$model" --out "$tmp/qa.tsv" > "$tmp/qa.txt"
header=
[ -s bench/results/semantic-train.tsv ] || header=--header
python3 "$root/tools/train-retrieval/record.py" "$step" "$tmp/ir.txt" "$tmp/qa.tsv" $header >> bench/results/semantic-train.tsv
tail -n 1 bench/results/semantic-train.tsv
rm -r "$tmp"
