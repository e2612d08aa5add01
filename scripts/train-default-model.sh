#!/usr/bin/env bash
# Rebuilds models/default.model from the labelled corpus, byte for byte:
# the training time is pinned (SOURCE_DATE_EPOCH), folds use a fixed seed,
# the vocabulary is sorted and floats are written in shortest round-trip form.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/corpus/labeled.jsonl}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}  # 2026-01-01T00:00:00Z
cargo run --release --quiet -- train \
  --data "$CORPUS" \
  --out models/default.model --force \
  --cv 5 --seed 17 \
  "$@"
