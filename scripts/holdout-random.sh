#!/usr/bin/env bash
# The time split of scripts/holdout-eval.sh, scored the way the judge draws
# its articles: train on TV news before 2025-07-01 and newspapers before
# 2026-06-01, then score, per file, the later TV news, all later newspaper
# articles, and the later newspaper articles with `sample == random` only
# (the 675 `enriched` picks over-represent rare labels and borderline cases;
# a random draw of later articles has none of them). Also prints the
# per-paper table for the random June articles.
#   CORPUS_DIR  where labeled.jsonl and labeled-news.jsonl are (../shared/corpus)
#   BIN         the binary (target/release/policy-classifier)
#   KEEP        a directory to keep the split files and the model in
# Extra arguments go to `train` (the defaults are the shipped configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${CORPUS_DIR:-../shared/corpus}
bin=${BIN:-target/release/policy-classifier}
if [[ -n "${KEEP:-}" ]]; then
  work=$KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
python3 - "$dir" "$work" <<'PY'
import json, os, sys
corpus, work = sys.argv[1:]
splits = [("labeled.jsonl", "20250701", "tv"), ("labeled-news.jsonl", "20260601", "papers")]
with open(os.path.join(work, "train.jsonl"), "w") as train:
    for name, cutoff, short in splits:
        later = open(os.path.join(work, f"{short}-later.jsonl"), "w")
        random = open(os.path.join(work, f"{short}-later-random.jsonl"), "w")
        counts = [0, 0, 0]
        with open(os.path.join(corpus, name)) as f:
            for line in f:
                row = json.loads(line)
                if row["date"].replace("-", "") < cutoff:
                    train.write(line)
                    counts[0] += 1
                    continue
                later.write(line)
                counts[1] += 1
                if row.get("sample") == "random":
                    random.write(line)
                    counts[2] += 1
        print(f"{name}: train {counts[0]} before {cutoff}; test {counts[1]} from it on, "
              f"{counts[2]} of them sample=random", file=sys.stderr)
PY
"$bin" train --data "$work/train.jsonl" --out "$work/holdout.model" --force "$@" >/dev/null 2>"$work/train.log" \
  || { cat "$work/train.log" >&2; exit 1; }
"$bin" eval --model "$work/holdout.model" --by file \
  --data "$work/tv-later.jsonl" "$work/papers-later.jsonl" "$work/papers-later-random.jsonl"
"$bin" eval --model "$work/holdout.model" --by source --data "$work/papers-later-random.jsonl"
