#!/usr/bin/env bash
# Measures the shipped configuration on articles it did not train on, per
# source: every labelled file is cut at its own date; the model trains on
# what every file holds before its cut and is scored, file by file, on what
# comes after (a time split, like the later articles the service will meet).
#   CORPUS   labelled files, colon-separated (default: TV news and newspapers)
#   CUTOFFS  one date per file, same order (YYYYMMDD; default 20250701:20260601)
# Extra arguments go to `train` (the defaults are the shipped configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
IFS=: read -r -a FILES <<< "${CORPUS:-../shared/corpus/labeled.jsonl:../shared/corpus/labeled-news.jsonl}"
IFS=: read -r -a DATES <<< "${CUTOFFS:-20250701:20260601}"
if [[ ${#FILES[@]} -ne ${#DATES[@]} ]]; then
  echo "holdout-eval.sh: ${#FILES[@]} files in CORPUS but ${#DATES[@]} dates in CUTOFFS" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests=()
for i in "${!FILES[@]}"; do
  name=$(basename "${FILES[$i]}" .jsonl)
  tests+=("$work/$name-from-${DATES[$i]}.jsonl")
  # Dates are 20250701 in the TV corpus and 2026-06-01 in the newspapers'.
  python3 - "${FILES[$i]}" "${DATES[$i]}" "$work/train.jsonl" "${tests[$i]}" <<'PY'
import json, sys
corpus, cutoff, train, test = sys.argv[1:]
counts = [0, 0]
with open(corpus) as f, open(train, "a") as tr, open(test, "w") as te:
    for line in f:
        later = json.loads(line)["date"].replace("-", "") >= cutoff
        (te if later else tr).write(line)
        counts[later] += 1
print(f"{corpus}: train {counts[0]} items before {cutoff}, test {counts[1]} from it on")
PY
done
cargo run --release --quiet -- train --data "$work/train.jsonl" --out "$work/holdout.model" "$@" 2>/dev/null
cargo run --release --quiet -- eval --model "$work/holdout.model" --data "${tests[@]}" --by file
