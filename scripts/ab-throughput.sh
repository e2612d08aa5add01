#!/usr/bin/env bash
# A/B throughput of two server binaries on this machine: alternates them
# under the same closed-loop load (examples/load capacity, 16 calls at once,
# 8 s per round) and prints each round's rate and the server's CPU per call
# (from /proc/PID/stat). Alternating rounds cancel slow drifts in machine
# load; CPU per call is steadier than the rate on a shared machine.
#
#   git worktree add /tmp/old REV && (cd /tmp/old && cargo build --release --bin policy-classifier)
#   cargo build --release --bin policy-classifier --example load
#   scripts/ab-throughput.sh /tmp/old/target/release/policy-classifier target/release/policy-classifier
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1 NEW=$2 ROUNDS=${ROUNDS:-4} PORT=${PORT:-50400}
LOAD=target/release/examples/load
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for round in $(seq "$ROUNDS"); do
  for which in old new; do
    bin=$OLD; [ "$which" = new ] && bin=$NEW
    port=$((PORT + round * 2)); [ "$which" = new ] && port=$((port + 1))
    log=$(mktemp)
    "$bin" serve --addr "127.0.0.1:$port" 2>"$log" &
    pid=$!
    for _ in $(seq 100); do grep -q "model loaded" "$log" && break; sleep 0.1; done
    sleep 0.5
    t0=$(ticks $pid)
    out=$($LOAD capacity --url "http://127.0.0.1:$port" --seconds 8 --concurrency 16 2>&1 | tr '\n' ' ')
    t1=$(ticks $pid)
    rps=$(echo "$out" | awk '{for(i=1;i<=NF;i++) if($i=="capacity_rps") print $(i+1)}')
    echo "round $round $which calls_per_s=$rps server_cpu_us_per_call=$(( (t1 - t0) * 10000 / (rps * 8) ))"
    kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$log"
  done
done
