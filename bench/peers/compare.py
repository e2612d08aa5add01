"""Peer comparison: our model against scikit-learn and fastText on the
same stratified folds as `policy-classifier` (see docs/peers.md).

    python3 bench/peers/compare.py --data /work/shared/corpus/labeled.jsonl

prints one Markdown table: macro-F1 mean ± sample standard deviation over
the folds, accuracy and ECE (10 bins, as in src/model/metrics.rs) means,
and the wall time of all folds' fitting and predicting.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import folds as folds_module  # noqa: E402
import ours  # noqa: E402
import peers  # noqa: E402
from segment import segment_corpus  # noqa: E402

ECE_BINS = 10
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def expected_calibration_error(truth, predicted, confidence):
    """Same binning as `metrics::expected_calibration_error`."""
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)
    correct = (truth == predicted).astype(float)
    ece = 0.0
    for b in range(ECE_BINS):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return ece


def macro_f1(truth, predicted, label_count):
    """Unweighted mean of per-label F1 over every label, as `summarise` does."""
    scores = []
    for label in range(label_count):
        tp = np.sum((truth == label) & (predicted == label))
        precision = tp / max(np.sum(predicted == label), 1)
        recall = tp / max(np.sum(truth == label), 1)
        scores.append(0.0 if tp == 0 else 2 * precision * recall / (precision + recall))
    return float(np.mean(scores))


def read_lines(paths):
    lines, records = [], []
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            raw = f.read()
        digest.update(raw)
        # Split on "\n" only, as Rust's `lines()` does: `splitlines` would also
        # cut at U+2028 and friends, which JSON strings may hold raw.
        for line in raw.decode("utf-8").split("\n"):
            line = line.removesuffix("\r")
            if line.strip():
                lines.append(line)
                records.append(json.loads(line))
    return lines, records, digest.hexdigest()


def run_peer(fit_predict, texts, labels, assignment, folds, label_count):
    rows = []
    started = time.perf_counter()
    for fold in range(folds):
        train = [i for i in range(len(texts)) if assignment[i] != fold]
        test = np.array([i for i in range(len(texts)) if assignment[i] == fold])
        predicted, probabilities = fit_predict(
            [texts[i] for i in train], [int(labels[i]) for i in train], [texts[i] for i in test]
        )
        predicted = np.asarray(predicted)
        truth = labels[test]
        ece = None
        if probabilities is not None:
            confidence = np.asarray(probabilities)[np.arange(len(test)), predicted]
            ece = expected_calibration_error(truth, predicted, confidence)
        rows.append((macro_f1(truth, predicted, label_count), float(np.mean(truth == predicted)), ece))
    return rows, time.perf_counter() - started


def summary_row(name, settings, rows, seconds):
    f1 = np.array([r[0] for r in rows])
    eces = [r[2] for r in rows]
    return {
        "name": name,
        "settings": settings,
        "macro_f1": f1.mean(),
        "spread": f1.std(ddof=1) if len(f1) > 1 else 0.0,
        "per_fold": f1,
        "accuracy": float(np.mean([r[1] for r in rows])),
        "ece": None if any(e is None for e in eces) else float(np.mean(eces)),
        "seconds": seconds,
    }


def default_binary():
    for profile in ("release", "debug"):
        path = os.path.join(REPO, "target", profile, "policy-classifier")
        if os.path.exists(path):
            return path
    return None


def render(rows, skipped, header):
    out = [header, "",
           "| classifier | settings | macro-F1 (mean ± sd) | per-fold macro-F1 | accuracy | ECE | time (s) |",
           "|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: -r["macro_f1"]):
        ece = "—" if r["ece"] is None else f"{r['ece']:.3f}"
        per_fold = " ".join(f"{v:.3f}" for v in r["per_fold"])
        out.append(f"| {r['name']} | {r['settings']} | {r['macro_f1']:.4f} ± {r['spread']:.4f} "
                   f"| {per_fold} | {r['accuracy']:.4f} | {ece} | {r['seconds']:.1f} |")
    for name, reason in skipped:
        out.append(f"| {name} | not run: {reason} | — | — | — | — | — |")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description="Peer comparison on policy-classifier's folds.")
    parser.add_argument("--data", nargs="+", required=True, help="labelled JSONL files")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--bin", default=default_binary(), help="policy-classifier binary "
                        "(default: target/release, else target/debug)")
    parser.add_argument("--train-arg", action="append", default=[],
                        help="extra argument for our `train` (repeatable), e.g. --train-arg=--bigrams")
    parser.add_argument("--only", nargs="+", help="run only these classifiers (names as in the table; 'ours')")
    parser.add_argument("--cache-dir", default="/tmp/policy-classifier-peers")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args()

    def wanted(name):
        return args.only is None or name.lower() in {o.lower() for o in args.only}

    lines, records, digest = read_lines(args.data)
    label_names = folds_module.DEFAULT_LABELS
    labels = np.array(folds_module.read_labels(args.data, label_names))
    if len(labels) != len(lines):
        sys.exit(f"read {len(lines)} documents but {len(labels)} labels: line splitting disagrees")
    assignment = folds_module.stratified_folds(labels.tolist(), args.folds, args.seed)

    rows, skipped = [], []
    if wanted("ours"):
        if args.bin is None:
            skipped.append(("policy-classifier", "no binary: run `cargo build --release` or pass --bin"))
        else:
            print(f"ours: {args.bin} train/eval on {args.folds} folds ...", file=sys.stderr)
            summaries, seconds = ours.run_folds(args.bin, lines, assignment, args.folds, args.train_arg)
            fold_rows = [(s["macro_f1"], s["accuracy"], s["expected_calibration_error"]) for s in summaries]
            settings = "`train` defaults" + ("".join(" " + a for a in args.train_arg))
            rows.append(summary_row("policy-classifier (ours)", settings, fold_rows, seconds))

    tokens, segment_seconds = segment_corpus(records, digest, args.cache_dir)
    texts = [" ".join(t) for t in tokens]
    missing_fasttext = peers.fasttext_available()
    for name, settings, fit_predict in peers.all_peers():
        if not wanted(name):
            continue
        if name == "fastText" and missing_fasttext:
            skipped.append((name, f"cannot import fasttext ({missing_fasttext})"))
            continue
        print(f"{name} ...", file=sys.stderr)
        fold_rows, seconds = run_peer(fit_predict, texts, labels, assignment, args.folds, len(label_names))
        rows.append(summary_row(name, settings, fold_rows, seconds))

    versions = package_versions()
    command = "python3 bench/peers/compare.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    header = "\n".join([
        f"{len(lines)} documents, {args.folds}-fold stratified cross-validation, seed {args.seed} "
        f"(the folds of `src/model/split.rs`).",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores: `{command}`",
        f"Python {platform.python_version()}; {versions}.",
        "Time: wall seconds to fit and predict all folds. Peers' times exclude jieba segmentation "
        f"({'cached' if segment_seconds == 0 else f'{segment_seconds:.0f} s, done once'}); "
        "ours includes its own segmentation and process start-up per fold.",
    ])
    table = render(rows, skipped, header)
    print(table)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(table)


def package_versions():
    from importlib import metadata

    found = []
    for package in ("scikit-learn", "numpy", "scipy", "jieba", "fasttext-wheel", "fasttext"):
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


if __name__ == "__main__":
    main()
