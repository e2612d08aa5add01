#!/usr/bin/env bash
# How the page splitter does on a paper it has never seen: for each paper
# prefix of the page files (mrdx, rmrb, xxsb, ...), train a splitter on the
# other papers' pages and article files (and the marked pages), then score
# it with `eval-pages` on that paper's pages. Nothing is written to the
# repository; the shipped splitter is not touched.
#   PAGES    page directory (../shared/corpus/pages)
#   ARTICLES colon-separated article files (labeled-news and unlabeled-news)
#   BIN      the binary (target/release/policy-classifier)
# Arguments: the paper prefixes to leave out (default: every one found).
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${PAGES:-../shared/corpus/pages}
bin=${BIN:-target/release/policy-classifier}
IFS=: read -r -a articles <<< "${ARTICLES:-../shared/corpus/labeled-news.jsonl:../shared/corpus/unlabeled-news.jsonl}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
papers=("$@")
if [[ ${#papers[@]} -eq 0 ]]; then
  mapfile -t papers < <(ls "$pages" | grep -E '^[a-z]+-[0-9]{4}-' | cut -d- -f1 | sort -u)
fi
for paper in "${papers[@]}"; do
  rm -rf "$work/train" "$work/test"
  mkdir -p "$work/train" "$work/test"
  for f in "$pages"/*.jsonl; do
    name=$(basename "$f")
    case "$name" in
      _*) cp "$f" "$work/train/"; cp "$f" "$work/test/" ;;
      "$paper"-*) ln -s "$(realpath "$f")" "$work/test/$name" ;;
      *) ln -s "$(realpath "$f")" "$work/train/$name" ;;
    esac
  done
  kept=()
  for a in "${articles[@]}"; do
    out="$work/$(basename "$a" .jsonl)-without-$paper.jsonl"
    grep -v "\"id\": *\"$paper-" "$a" > "$out" || true
    kept+=("$out")
  done
  "$bin" train-splitter "$work/train" --articles "${kept[@]}" \
    --marked tests/fixtures/pages --marked data/splitter-pages --marked-repeats 4 \
    -o "$work/splitter.json" --force >/dev/null
  echo "== $paper left out: trained on the other papers, scored on its pages"
  "$bin" eval-pages "$work/test" --splitter "$work/splitter.json" | sed -n '1,8p'
done
