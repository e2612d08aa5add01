#!/usr/bin/env bash
# Soak test: measure capacity, then hold ~80% of it for SOAK_SECONDS with a
# mix of good and bad requests, probing health and GetModelInfo latency and
# sampling the server's RSS. Fails on any unexpected status, a probe slower
# than 100 ms, or RSS growing more than 10% after warm-up.
#
#   scripts/soak.sh                      # 600 s soak (the recorded run)
#   SOAK_SECONDS=60 scripts/soak.sh      # quick check
#
# Builds release binaries (cargo build --release --bins --examples).
set -euo pipefail
cd "$(dirname "$0")/.."

SOAK_SECONDS=${SOAK_SECONDS:-600}
CAPACITY_SECONDS=${CAPACITY_SECONDS:-20}
LOAD_FRACTION=${LOAD_FRACTION:-0.8}
PORT=${PORT:-50197}
URL="http://127.0.0.1:${PORT}"

cargo build --release --quiet --bin policy-classifier --example load
SERVER=target/release/policy-classifier
LOAD=target/release/examples/load

LOG=$(mktemp)
"$SERVER" serve --addr "127.0.0.1:${PORT}" 2>"$LOG" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 100); do grep -q "model loaded" "$LOG" && break; sleep 0.1; done

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }

echo "measuring capacity (full load) for ${CAPACITY_SECONDS}s..."
CAPACITY_LINE=$("$LOAD" capacity --url "$URL" --seconds "$CAPACITY_SECONDS")
echo "$CAPACITY_LINE"
CAPACITY=$(echo "$CAPACITY_LINE" | awk '/capacity_rps/ {print $2}')
RATE=$(python3 -c "print(max(1, int(${CAPACITY} * ${LOAD_FRACTION})))")
echo "capacity ${CAPACITY} rps; soaking at ${RATE} rps for ${SOAK_SECONDS}s"

SAMPLES=$(mktemp)
( while kill -0 $PID 2>/dev/null; do rss_kb >>"$SAMPLES"; sleep 10; done ) &
SAMPLER=$!
set +e
"$LOAD" soak --url "$URL" --seconds "$SOAK_SECONDS" --rate "$RATE"
SOAK_STATUS=$?
set -e
kill $SAMPLER 2>/dev/null || true

# Warm-up: RSS after the first minute (or the first third of a short run)
# is the baseline; the rest must stay within 10% of it.
set +e
python3 - "$SAMPLES" "$SOAK_SECONDS" <<'PY'
import sys
samples = [int(x) for x in open(sys.argv[1]) if x.strip()]
warm = max(1, min(6, len(samples) // 3))
base, rest = samples[warm - 1], samples[warm:] or samples[-1:]
peak, last = max(rest), samples[-1]
growth = (peak - base) / base
print(f"rss_kb baseline={base} peak={peak} last={last} growth={growth:+.1%} samples={len(samples)}")
sys.exit(0 if growth <= 0.10 else 1)
PY
RSS_STATUS=$?
set -e
rm -f "$SAMPLES"
kill -TERM $PID; set +e; wait $PID; EXIT=$?; set -e
echo "server exit status after SIGTERM: $EXIT"
[ "$SOAK_STATUS" -eq 0 ] && [ "$RSS_STATUS" -eq 0 ] && [ "$EXIT" -eq 0 ]
