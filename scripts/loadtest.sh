#!/usr/bin/env bash
# One-command load test (see BENCHMARKS.md): the floor (raw jieba-rs on all
# cores) and the ceiling (a segment-only tonic server), our server's batch,
# stream and unary throughput and latency, the Python peer under the same
# load, RSS, time to SERVING and training time; then one table with ratios
# against the targets. Loopback only; every step is bounded in time.
#
#   scripts/loadtest.sh                       # about 4 minutes
#   LOAD_SECONDS=4 scripts/loadtest.sh        # quicker, noisier
#   SOAK_REQUESTS=1000000 scripts/loadtest.sh # plus an RSS soak
#
# Needs: h2load (apt: nghttp2-client), python3 with venv; the Python peer's
# packages (grpcio grpcio-tools jieba scikit-learn) are installed into
# target/bench-venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS=${CORPUS:-/work/shared/corpus/labeled.jsonl}   # read at run time, never committed
OUT=${OUT:-target/loadtest}
LOAD_SECONDS=${LOAD_SECONDS:-8}
SOAK_REQUESTS=${SOAK_REQUESTS:-0}
ARTICLES=${ARTICLES:-400}
PORT=${PORT:-50151}
CEILING_PORT=$((PORT + 10))
PEER_PORT=$((PORT + 20))
PEER=${PEER:-1}                       # PEER=0 skips the Python peer
VENV=${VENV:-target/bench-venv}
STREAMS=64                            # h2load: 4 connections x 16 streams

mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
: >"$RESULTS"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }
record() { echo "$1 $2" >>"$RESULTS"; echo "   $1 = $2" >&2; }
# `result name value` lines from a tool become records.
collect() { awk '$1 == "result" { print $2, $3 }' | while read -r k v; do record "$k" "$v"; done; }

command -v h2load >/dev/null || { echo "h2load missing: apt-get install nghttp2-client" >&2; exit 1; }

say "building (release)"
cargo build --release --quiet --bin policy-classifier --example loadgen --example segment_only_server
BIN=target/release/policy-classifier
LOADGEN=target/release/examples/loadgen
CEILING=target/release/examples/segment_only_server

say "articles (corpus: $CORPUS)"
$LOADGEN prepare --corpus "$CORPUS" --count "$ARTICLES" --out "$OUT" | collect
UNARY=$(awk '$1 == "unary_article" { print $2 }' "$RESULTS")
record cores "$(nproc)"

say "floor: raw jieba-rs on all cores"
$LOADGEN floor --articles "$OUT/articles.jsonl" --seconds "$LOAD_SECONDS" | collect
$LOADGEN floor --articles "$OUT/articles.jsonl" --seconds "$LOAD_SECONDS" --only "$UNARY" \
  | sed 's/raw_segment/raw_segment_unary/' | collect
$LOADGEN floor --articles "$OUT/articles.jsonl" --seconds "$LOAD_SECONDS" --classify | collect

if [[ -f "$CORPUS" ]]; then
  say "train on $CORPUS (3 runs; the table takes the median)"
  # One run of ~2 s reads anywhere in ±10% on this VM: the median of three
  # is the figure, the three runs are recorded beside it.
  runs=()
  for _ in 1 2 3; do
    start=$(date +%s%N)
    $BIN train --data "$CORPUS" --out "$OUT/trained.model" --force >/dev/null 2>&1
    runs+=("$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
  done
  record train_seconds_runs "$(IFS=/; echo "${runs[*]}")"
  record train_seconds "$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)"
fi

# One h2load load on the unary method: `h2load_run NAME PORT FLAGS...` (the
# connection, stream, rate and duration flags). Records <name>_rps, _p50_ms,
# _p99_ms (percentiles from h2load's per-request log) and <name>_failed.
h2load_run() {
  local name=$1 port=$2; shift 2
  local log="$OUT/$name.h2load.log"
  rm -f "$log"   # h2load appends to its log: an old run's requests would count
  h2load "$@" \
    -d "$OUT/unary.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
    --log-file "$log" \
    "http://127.0.0.1:$port/policy.classifier.v1.PolicyClassifier/Classify" >"$OUT/$name.h2load.out" 2>&1 || true
  local failed
  failed=$(awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) print $i }' "$OUT/$name.h2load.out")
  # h2load's own rate covers the measured period only (not the warm-up).
  record "${name}_rps" "$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$OUT/$name.h2load.out")"
  [[ "${failed:-0}" == 0 ]] || record "${name}_failed" "$failed"
  sort -n -k3 "$log" | awk -v name="$name" '$2 == 200 { v[n++] = $3 }
    END { if (n) { printf "%s_p50_ms %.2f\n%s_p99_ms %.2f\n", name, v[int(n * 0.50)] / 1000, name, v[int(n * 0.99)] / 1000 } }' \
    | while read -r k v; do record "$k" "$v"; done
}

# h2load at $STREAMS concurrent streams for LOAD_SECONDS; extra arguments
# (e.g. --rps) are passed on.
unary_load() {
  local name=$1 port=$2; shift 2
  h2load_run "$name" "$port" -c 4 -m 16 -t 1 -D "$LOAD_SECONDS" --warm-up-time 1 "$@"
}

rss_kb() { awk -v f="$2" '$1 == f":" { print $2 }' "/proc/$1/status"; }

say "our server"
start=$(date +%s%N)
$BIN serve --addr "127.0.0.1:$PORT" 2>"$OUT/server.log" &
SERVER=$!; PIDS+=("$SERVER")
$LOADGEN wait-serving --addr "127.0.0.1:$PORT" --started-ns "$start" | collect
record idle_rss_mb "$(( $(rss_kb "$SERVER" VmRSS) / 1024 ))"
$LOADGEN check --addr "127.0.0.1:$PORT" --frame "$OUT/unary.bin" | collect
$LOADGEN batch --addr "127.0.0.1:$PORT" --articles "$OUT/articles.jsonl" --seconds "$LOAD_SECONDS" | collect
$LOADGEN stream --addr "127.0.0.1:$PORT" --articles "$OUT/articles.jsonl" --seconds "$LOAD_SECONDS" | collect
unary_load unary "$PORT"
# p99 at half the measured rate. h2load's rate timer fires every 10 ms and
# sends each tick's requests at once, so `-c 4 -m 16 --rps R/8` hits the
# server with bursts of 64 at full speed, half of the time, and reports
# full-load latency (kept as unary_burst_half for comparison). For the
# target, 100 connections of one stream each, created 1 ms apart so their
# ticks fall in ten different milliseconds: ~10 requests every millisecond.
half=$(awk '$1 == "unary_rps" { printf "%d", $2 / 2 / 4 }' "$RESULTS")
unary_load unary_burst_half "$PORT" --rps "$half"
half_total=$(awk '$1 == "unary_rps" { printf "%d", $2 / 2 }' "$RESULTS")
h2load_run unary_half "$PORT" -c 100 -m 1 --rps "$(( half_total / 100 ))" --rate 1 --rate-period 1ms \
  -t 1 -n "$(( half_total * ${LOAD_SECONDS%.*} ))"
record rss_after_load_mb "$(( $(rss_kb "$SERVER" VmRSS) / 1024 ))"
if (( SOAK_REQUESTS > 0 )); then
  say "soak: $SOAK_REQUESTS unary requests"
  h2load -c 4 -m 16 -t 1 -n "$SOAK_REQUESTS" -d "$OUT/unary.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$PORT/policy.classifier.v1.PolicyClassifier/Classify" >"$OUT/soak.h2load.out" 2>&1 || true
  record soak_requests "$(awk '/^requests:/ { print $8 }' "$OUT/soak.h2load.out")"
  record rss_after_soak_mb "$(( $(rss_kb "$SERVER" VmRSS) / 1024 ))"
fi
record peak_rss_mb "$(( $(rss_kb "$SERVER" VmHWM) / 1024 ))"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

say "ceiling: segment-only tonic server"
$CEILING "127.0.0.1:$CEILING_PORT" 2>/dev/null &
CEIL=$!; PIDS+=("$CEIL")
for _ in $(seq 100); do $LOADGEN check --addr "127.0.0.1:$CEILING_PORT" --frame "$OUT/unary.bin" >/dev/null 2>&1 && break; sleep 0.1; done
unary_load ceiling "$CEILING_PORT"
$LOADGEN batch --addr "127.0.0.1:$CEILING_PORT" --articles "$OUT/articles.jsonl" --seconds "$LOAD_SECONDS" \
  | sed 's/result batch/result ceiling_batch/' | collect
kill "$CEIL"; wait "$CEIL" 2>/dev/null || true

if [[ "$PEER" == 1 ]]; then
  say "peer: Python grpcio + jieba + scikit-learn MultinomialNB"
  if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet grpcio grpcio-tools jieba scikit-learn
  fi
  TRAIN="$CORPUS"; [[ -f "$TRAIN" ]] || TRAIN="$OUT/articles.jsonl"
  "$VENV/bin/python" bench/peer_server.py --port "$PEER_PORT" --train "$TRAIN" \
    --cache "$OUT/peer-model.pickle" 2>"$OUT/peer.log" &
  PEER_PID=$!; PIDS+=("$PEER_PID")
  for _ in $(seq 1200); do $LOADGEN check --addr "127.0.0.1:$PEER_PORT" --frame "$OUT/unary.bin" >/dev/null 2>&1 && break; sleep 0.1; done
  # The peer is one process per core behind SO_REUSEPORT, and the kernel
  # places each of the 4 connections on a process at random: all 4 on one
  # process halves its throughput (batch runs measured 608 and 1,583
  # articles/s minutes apart). So it gets three tries of each load and keeps
  # its best, which can only flatter the peer.
  for try in 1 2 3; do
    unary_load "peer_unary_try$try" "$PEER_PORT"
    $LOADGEN batch --addr "127.0.0.1:$PEER_PORT" --articles "$OUT/articles.jsonl" --seconds "$LOAD_SECONDS" \
      | sed "s/result batch/result peer_batch_try$try/" | collect
  done
  # best NAME_REGEX: the try whose value is highest, as "try value".
  best() { awk -v re="$1" '$1 ~ re && $2 > m { m = $2; t = $1 } END { sub(/.*_try/, "", t); sub(/_.*/, "", t); print t, m }' "$RESULTS"; }
  read -r try rps < <(best '^peer_unary_try[0-9]+_rps$')
  record peer_unary_rps "$rps"
  record peer_unary_p99_ms "$(awk -v n="peer_unary_try${try}_p99_ms" '$1 == n { print $2 }' "$RESULTS")"
  read -r _ articles < <(best '^peer_batch_try[0-9]+$')
  record peer_batch "$articles"
  kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true
fi

say "summary"
python3 scripts/loadtest_table.py "$RESULTS" | tee "$OUT/table.md"
