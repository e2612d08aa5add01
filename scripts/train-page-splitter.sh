#!/usr/bin/env bash
# Rebuilds models/page-splitter.json, the page splitter compiled into the
# binary, byte for byte: training reads the pages in name order, fits by
# AdaGrad in a fixed order with no randomness, and writes a sorted JSON file.
# It learns from every real page of $PAGES (all four renderings of each),
# from the pages the newspaper article files of $ARTICLES make (articles
# grouped by page in printed order; colon-separated like $PATH), and from
# the marked pages of tests/fixtures/pages and data/splitter-pages (each
# counted four times). Then rebuild (`cargo build --release`) to ship it.
#
#   PAGES=path/to/pages scripts/train-page-splitter.sh      # retrain
#   ARTICLES= scripts/train-page-splitter.sh                 # without article files
#   scripts/train-page-splitter.sh --check                   # same bytes?
#
# To train on your own pages, put them beside (or instead of) these: one
# JSONL file a page, one item a line in printed order (the shape of
# ../shared/corpus/pages/README.md), and/or NAME.txt + NAME.expected.json
# marked pages (--marked DIR). docs/page-splitting.md says how to evaluate.
set -euo pipefail
if [[ -n "${PAGES:-}" && "$PAGES" != /* ]]; then PAGES="$PWD/$PAGES"; fi
# Relative paths in $ARTICLES are relative to where the script is run from.
if [[ -n "${ARTICLES:-}" ]]; then
  IFS=: read -r -a given <<< "$ARTICLES"
  for i in "${!given[@]}"; do
    if [[ "${given[$i]}" != /* ]]; then given[$i]="$PWD/${given[$i]}"; fi
  done
  ARTICLES=$(IFS=:; echo "${given[*]}")
fi
cd "$(dirname "$0")/.."
PAGES=${PAGES:-../shared/corpus/pages}
IFS=: read -r -a ARTICLE_FILES <<< "${ARTICLES-../shared/corpus/labeled-news.jsonl:../shared/corpus/unlabeled-news.jsonl}"
ARTICLE_ARGS=()
if [[ ${#ARTICLE_FILES[@]} -gt 0 ]]; then ARTICLE_ARGS=(--articles "${ARTICLE_FILES[@]}"); fi
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
  "${ARTICLE_ARGS[@]}" \
  --marked tests/fixtures/pages --marked data/splitter-pages --marked-repeats 4 \
  --epochs 30 --l2 1 --learning-rate 0.2 --rounds 1 \
  --out "$out" --force "$@"
if [[ "$out" != models/page-splitter.json ]]; then
  if cmp -s "$out" models/page-splitter.json; then
    echo "models/page-splitter.json is rebuilt bit for bit"
  else
    echo "models/page-splitter.json differs from a rebuild" >&2
    exit 1
  fi
fi
