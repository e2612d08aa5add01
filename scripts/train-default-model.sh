#!/usr/bin/env bash
# Rebuilds models/default.model from the labelled corpora (TV news and
# newspapers), byte for byte:
# the training time is pinned (SOURCE_DATE_EPOCH), folds use a fixed seed,
# the vocabulary is sorted, sums run in a fixed order and floats are written
# in shortest round-trip form. The configuration is not spelled here:
# `train`'s flags default to the shipped one, `TrainParams::shipped()` in
# src/model/params.rs (docs/accuracy.md explains each choice). `--cv 5` is
# the cross-validation stored in the model, not a training parameter.
# The policy-term dictionary (--user-dict data/policy-terms.txt) is not used:
# cross-validation did not show it helps.
set -euo pipefail
# $CORPUS: the labelled files, separated by colons like $PATH; relative
# paths are relative to where the script is run from.
IFS=: read -r -a FILES <<< "${CORPUS:-}"
for i in "${!FILES[@]}"; do
  if [[ "${FILES[$i]}" != /* ]]; then FILES[$i]="$PWD/${FILES[$i]}"; fi
done
cd "$(dirname "$0")/.."
if [[ ${#FILES[@]} -eq 0 ]]; then
  FILES=(../shared/corpus/labeled.jsonl ../shared/corpus/labeled-news.jsonl)
fi
# The corpora are not in the repository (third-party news text): say which
# files are needed and how to pass them, before a 6-minute build.
for file in "${FILES[@]}"; do
  if [[ ! -f "$file" ]]; then
    echo "train-default-model.sh: the labelled corpus $file does not exist." >&2
    echo "It is not in the repository. Pass your copies (one {\"id\",\"title\",\"text\",\"label\"} a line," >&2
    echo "like tests/fixtures/corpus.jsonl) as: CORPUS=tv.jsonl:papers.jsonl $0" >&2
    exit 2
  fi
done
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}  # 2026-01-01T00:00:00Z
cargo run --release --quiet -- train \
  --data "${FILES[@]}" \
  --out models/default.model --force \
  --cv 5 \
  "$@"
