#!/bin/bash
# The e5 regression on a CUDA machine, from the workspace root, with the
# pruned teacher and the table's tokenizer in DIR (see README.md).
# Usage: tools/train-regression/e5-run.sh DIR OUT
set -eo pipefail
dir=$1 out=$2
export PYTHONUNBUFFERED=1
python3 tools/train-regression/e5.py smoke "$dir/e5-small-ascii-q4.bin"
python3 tools/train-regression/regress.py --teacher "$dir/e5-small-ascii-q4.bin" \
  --wordpieces "$dir/minilm-tokenizer.json" --model models/minilm-context-128.mcdm \
  --out /tmp/reg-e5 --texts --limit 1000000 --epochs 30 --save 20 --center both \
  --prefixes passage query 2>&1 | tee "$out/train.log"
python3 tools/train-regression/pack.py /tmp/reg-e5 "$out"
