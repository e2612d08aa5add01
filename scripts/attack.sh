#!/usr/bin/env bash
# The attack suite (issue 16, docs/robustness.md "Attack suite"): starts a
# release server with the default limits on loopback and replays each
# finding of the robustness review against it (examples/attack.rs),
# checking every answer, the CPU one request costs and the peak RSS.
# About two minutes; every attack is bounded in count and time.
#
#   scripts/attack.sh
#   MAX_REQUEST_CPU_MS=100 MAX_RSS_MB=300 scripts/attack.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-50199}
MAX_REQUEST_CPU_MS=${MAX_REQUEST_CPU_MS:-100}
MAX_RSS_MB=${MAX_RSS_MB:-300}

cargo build --release --quiet --bin policy-classifier --example attack
LOG=$(mktemp)
target/release/policy-classifier serve --addr "127.0.0.1:${PORT}" 2>"$LOG" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 200); do grep -q "model loaded" "$LOG" && break; sleep 0.1; done
grep -q "model loaded" "$LOG" || { cat "$LOG" >&2; exit 1; }

target/release/examples/attack --addr "127.0.0.1:${PORT}" --pid "$PID" \
  --max-request-cpu-ms "$MAX_REQUEST_CPU_MS" --max-rss-mb "$MAX_RSS_MB"
kill -0 "$PID" || { echo "the server died" >&2; cat "$LOG" >&2; exit 1; }
