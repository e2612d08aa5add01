#!/usr/bin/env bash
# Rebuilds models/page-splitter.json, the page splitter compiled into the
# binary, byte for byte: training reads the pages in name order, fits by
# AdaGrad in a fixed order with no randomness, and writes a sorted JSON file.
# It learns from every real page of $PAGES (all four renderings of each) and
# from the marked fixture pages of tests/fixtures/pages (each counted four
# times). Then rebuild (`cargo build --release`) to ship it.
#
#   PAGES=path/to/pages scripts/train-page-splitter.sh      # retrain
#   scripts/train-page-splitter.sh --check                   # same bytes?
#
# To train on your own pages, put them beside (or instead of) these: one
# JSONL file a page, one item a line in printed order (the shape of
# ../shared/corpus/pages/README.md), and/or NAME.txt + NAME.expected.json
# marked pages (--marked DIR). docs/page-splitting.md says how to evaluate.
set -euo pipefail
if [[ -n "${PAGES:-}" && "$PAGES" != /* ]]; then PAGES="$PWD/$PAGES"; fi
cd "$(dirname "$0")/.."
PAGES=${PAGES:-../shared/corpus/pages}
if [[ ! -d "$PAGES" ]]; then
  echo "train-page-splitter.sh: the page directory $PAGES does not exist." >&2
  echo "It is not in the repository (third-party news). Pass your copy as: PAGES=dir $0" >&2
  exit 2
fi
out=models/page-splitter.json
if [[ "${1:-}" == "--check" ]]; then
  out=$(mktemp --suffix=.json)
  trap 'rm -f "$out"' EXIT
  shift
fi
cargo run --release --quiet -- train-splitter "$PAGES" \
  --marked tests/fixtures/pages --marked-repeats 4 \
  --epochs 15 --l2 3 --learning-rate 0.2 --rounds 1 \
  --out "$out" --force "$@"
if [[ "$out" != models/page-splitter.json ]]; then
  if cmp -s "$out" models/page-splitter.json; then
    echo "models/page-splitter.json is rebuilt bit for bit"
  else
    echo "models/page-splitter.json differs from a rebuild" >&2
    exit 1
  fi
fi
