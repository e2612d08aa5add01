#!/usr/bin/env bash
# Measures the shipped configuration on articles it did not train on: trains
# on labeled.jsonl items dated before $CUTOFF and evaluates on those from
# $CUTOFF on (a time split, like the later articles the service will meet).
# Extra arguments go to `train` (use the same ones as train-default-model.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/corpus/labeled.jsonl}
CUTOFF=${CUTOFF:-20250701}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$CORPUS" "$CUTOFF" "$work" <<'PY'
import json, sys
corpus, cutoff, work = sys.argv[1:]
with open(corpus) as f, open(f"{work}/train.jsonl", "w") as tr, open(f"{work}/test.jsonl", "w") as te:
    for line in f:
        (te if json.loads(line)["date"] >= cutoff else tr).write(line)
PY
echo "train: $(wc -l < "$work/train.jsonl") items before $CUTOFF; test: $(wc -l < "$work/test.jsonl") items from $CUTOFF on"
cargo run --release --quiet -- train --data "$work/train.jsonl" --out "$work/holdout.model" "$@" 2>/dev/null
cargo run --release --quiet -- eval --model "$work/holdout.model" --data "$work/test.jsonl"
