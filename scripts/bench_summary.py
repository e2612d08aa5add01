#!/usr/bin/env python3
"""Prints the last `cargo bench` results (target/criterion) as a Markdown
table: median time per benchmark with its 95% confidence interval."""

import json
import pathlib
import sys


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main(root):
    rows = []
    for estimates in sorted(pathlib.Path(root).glob("*/*/*/new/estimates.json")):
        group, function, size = estimates.parts[-5:-2]
        median = json.loads(estimates.read_text())["median"]
        ci = median["confidence_interval"]
        rows.append((group, function, int(size) if size.isdigit() else size, median["point_estimate"],
                     ci["lower_bound"], ci["upper_bound"]))
    rows.sort(key=lambda r: (r[0], r[2], r[1]))
    print("| group | bench | size | median | 95% CI |")
    print("|---|---|---:|---:|---|")
    for group, function, size, point, low, high in rows:
        print(f"| {group} | {function} | {size} | {fmt(point)} | {fmt(low)} – {fmt(high)} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
