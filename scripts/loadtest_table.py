#!/usr/bin/env python3
"""Prints the load test's results (name value lines) as one Markdown table
with every target, the measured ratio and whether it is met."""

import sys


def main(path):
    r = {}
    with open(path) as f:
        for line in f:
            name, value = line.split()
            try:
                r[name] = float(value)
            except ValueError:
                r[name] = value

    def get(name):
        return r.get(name)

    def ratio(a, b):
        a, b = get(a), get(b)
        return a / b if a is not None and b else None

    # (what, measured, target, higher_is_better, how it is formed)
    rows = [
        ("batch ÷ raw segmentation", ratio("batch", "raw_segment"), 0.8, True, "ClassifyBatch art/s ÷ jieba art/s"),
        ("stream ÷ raw segmentation", ratio("stream", "raw_segment"), 0.8, True, "ClassifyStream art/s ÷ jieba art/s"),
        ("unary ÷ segment-only server", ratio("unary_rps", "ceiling_rps"), 0.85, True, "h2load, 64 streams"),
        ("unary ÷ raw segmentation", ratio("unary_rps", "raw_segment_unary"), 0.5, True, "same article"),
        ("unary p99 @64 streams (ms)", get("unary_p99_ms"), 5.0, False, ""),
        ("unary p99 @half rate (ms)", get("unary_half_p99_ms"), 2.0, False,
         "h2load, 100 connections started 1 ms apart, --rps each"),
        ("unary p99 @half rate, 64-bursts (ms)", get("unary_burst_half_p99_ms"), 2.0, False,
         "comparison only: -c 4 -m 16 --rps sends each 10 ms tick's requests at once"),
        ("unary ÷ Python peer", ratio("unary_rps", "peer_unary_rps"), 30.0, True, "h2load, 64 streams"),
        ("batch ÷ Python peer", ratio("batch", "peer_batch"), 30.0, True, "batches of 64"),
        ("peak RSS (MB)", get("peak_rss_mb"), 120.0, False, "VmHWM, default model"),
        ("RSS growth over soak (MB)", (get("rss_after_soak_mb") - get("rss_after_load_mb"))
            if get("rss_after_soak_mb") is not None else None, 0.0 + 5.0, False,
         f"{int(get('soak_requests') or 0)} requests; flat = within 5 MB"),
        ("start → SERVING (s)", get("serving_seconds"), 0.5, False, "health check"),
        ("train on labeled.jsonl (s)", get("train_seconds"), 2.0, False, "release CLI, median of 3 runs"),
    ]
    print("| measure | value | target | met | note |")
    print("|---|---:|---:|:-:|---|")
    for what, value, target, higher, note in rows:
        if value is None:
            print(f"| {what} | n/a | {'≥' if higher else '≤'} {target:g} | – | {note} (not measured) |")
            continue
        met = value >= target if higher else value <= target
        by = "" if met else f"; missed by {abs(value / target - 1) * 100:.0f}%"
        print(f"| {what} | {value:.3g} | {'≥' if higher else '≤'} {target:g} | {'yes' if met else 'NO'} | {note}{by} |")

    print()
    print("| raw measurement | value |")
    print("|---|---:|")
    for name in ["cores", "articles", "mean_chars", "unary_chars", "raw_segment", "raw_segment_unary",
                 "inprocess_classify", "batch", "stream", "unary_rps", "unary_p50_ms", "unary_p99_ms",
                 "unary_half_rps", "unary_half_p50_ms", "unary_half_p99_ms",
                 "unary_burst_half_rps", "unary_burst_half_p50_ms", "unary_burst_half_p99_ms", "ceiling_rps",
                 "ceiling_p99_ms", "ceiling_batch", "peer_unary_rps", "peer_unary_p99_ms", "peer_batch",
                 "serving_seconds", "idle_rss_mb", "rss_after_load_mb", "soak_requests",
                 "rss_after_soak_mb", "peak_rss_mb", "train_seconds", "train_seconds_runs", "check_label"]:
        if name in r:
            value = r[name]
            if isinstance(value, float):
                value = f"{value:.0f}" if value.is_integer() else f"{value:g}"
            print(f"| {name} | {value} |")
    failed = [k for k in r if k.endswith("_failed")]
    for k in failed:
        print(f"| {k} | {r[k]:g} |")


if __name__ == "__main__":
    main(sys.argv[1])
