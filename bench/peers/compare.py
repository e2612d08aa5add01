"""Peer comparison: our model against scikit-learn and fastText on the
same stratified folds as `policy-classifier` (see docs/peers.md).

    python3 bench/peers/compare.py --data /work/shared/corpus/labeled.jsonl

prints one Markdown table: macro-F1 mean ± sample standard deviation over
the folds, accuracy and ECE (10 bins, as in src/model/metrics.rs) means,
and the wall time of all folds' fitting and predicting. Then the same
classifiers on each input file's documents (and with `--by FIELD`, each
value of that field), from those documents' held-out predictions. With
`--train-before DATE` one time split replaces the folds: train on the
documents dated before DATE, test on the others.
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
    """Non-blank lines of every file in order, their parsed records, the
    index of the file each came from, and a digest naming the files' bytes."""
    lines, records, files = [], [], []
    digest = hashlib.sha256()
    for number, path in enumerate(paths):
        with open(path, "rb") as f:
            raw = f.read()
        # Each file's own digest, so two files never hash like their concatenation.
        digest.update(hashlib.sha256(raw).digest())
        # Split on "\n" only, as Rust's `lines()` does: `splitlines` would also
        # cut at U+2028 and friends, which JSON strings may hold raw.
        for line in raw.decode("utf-8").split("\n"):
            line = line.removesuffix("\r")
            if line.strip():
                lines.append(line)
                records.append(json.loads(line))
                files.append(number)
    return lines, records, files, digest.hexdigest()


def normalise_date(value):
    """`20220101` (TV items) and `2026-06-11` (newspapers) as a `datetime.date`."""
    text = str(value or "").strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return datetime.date.fromisoformat(text)


def time_split(records, before):
    """(train, test) indices: documents dated before `before`, the rest."""
    train, test, undated = [], [], []
    for i, record in enumerate(records):
        try:
            date = normalise_date(record.get("date"))
        except ValueError:
            undated.append(i)
            continue
        (train if date < before else test).append(i)
    if undated:
        sys.exit(f"{len(undated)} documents have no readable date (first: line {undated[0] + 1} of the "
                 "pooled input); --train-before needs a date on every document")
    return train, test


def scores(truth, predicted, confidence, label_count):
    """(macro-F1, accuracy, ECE or None) of one set of predictions."""
    ece = None if confidence is None else expected_calibration_error(truth, predicted, confidence)
    return macro_f1(truth, predicted, label_count), float(np.mean(truth == predicted)), ece


def run_peer(fit_predict, texts, labels, splits):
    """Each split's (predicted labels, confidence of the predicted label or
    None), in test order, and the seconds all fits and predictions took."""
    predictions = []
    started = time.perf_counter()
    for train, test in splits:
        predicted, probabilities = fit_predict(
            [texts[i] for i in train], [int(labels[i]) for i in train], [texts[i] for i in test]
        )
        predicted = np.asarray(predicted)
        confidence = None
        if probabilities is not None:
            confidence = np.asarray(probabilities)[np.arange(len(test)), predicted]
        predictions.append((predicted, confidence))
    return predictions, time.perf_counter() - started


def summary_row(name, settings, rows, seconds):
    f1 = np.array([r[0] for r in rows])
    eces = [r[2] for r in rows]
    return {
        "name": name,
        "settings": settings,
        "macro_f1": f1.mean(),
        "spread": f1.std(ddof=1) if len(f1) > 1 else None,
        "per_fold": f1,
        "accuracy": float(np.mean([r[1] for r in rows])),
        "ece": None if any(e is None for e in eces) else float(np.mean(eces)),
        "seconds": seconds,
    }


def group_row(name, settings, labels, splits, predictions, members, label_count):
    """One classifier's numbers on one group (the documents `members`):
    pooled over all its held-out predictions, and per split where the
    split tests any of them."""
    truth, predicted, confidence, per_split = [], [], [], []
    has_confidence = all(c is not None for _, c in predictions)
    for (_, test), (p, c) in zip(splits, predictions):
        keep = [k for k, i in enumerate(test) if i in members]
        if not keep:
            continue
        t = labels[np.asarray(test)[keep]]
        pk = np.asarray(p)[keep]
        truth.append(t)
        predicted.append(pk)
        if has_confidence:
            confidence.append(np.asarray(c)[keep])
        per_split.append(macro_f1(t, pk, label_count))
    if not truth:
        return None
    truth, predicted = np.concatenate(truth), np.concatenate(predicted)
    f1, accuracy, ece = scores(truth, predicted, np.concatenate(confidence) if has_confidence else None,
                               label_count)
    return {"name": name, "settings": settings, "macro_f1": f1, "accuracy": accuracy, "ece": ece,
            "per_fold": np.array(per_split), "documents": len(truth)}


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
        spread = "" if r["spread"] is None else f" ± {r['spread']:.4f}"
        out.append(f"| {r['name']} | {r['settings']} | {r['macro_f1']:.4f}{spread} "
                   f"| {per_fold} | {r['accuracy']:.4f} | {ece} | {r['seconds']:.1f} |")
    for name, reason in skipped:
        out.append(f"| {name} | not run: {reason} | — | — | — | — | — |")
    return "\n".join(out) + "\n"


def render_groups(title, groups):
    """`groups`: (value, documents, rows). One table per group, and a
    summary of ours against the best peer on each."""
    out = []
    verdicts = []
    for value, documents, rows in groups:
        rows = [r for r in rows if r is not None]
        if not rows:
            out += [f"#### {title} {value}: {documents} documents, none tested", ""]
            continue
        tested = rows[0]["documents"]
        out += [f"#### {title} {value}: {tested} of its {documents} documents tested", "",
                "| classifier | macro-F1 (all held-out) | fold mean ± sd | per-fold macro-F1 | accuracy | ECE |",
                "|---|---|---|---|---|---|"]
        for r in sorted(rows, key=lambda r: -r["macro_f1"]):
            ece = "—" if r["ece"] is None else f"{r['ece']:.3f}"
            folds = r["per_fold"]
            per_fold = " ".join(f"{v:.3f}" for v in folds)
            mean = f"{folds.mean():.4f}" + (f" ± {folds.std(ddof=1):.4f}" if len(folds) > 1 else "")
            out.append(f"| {r['name']} | {r['macro_f1']:.4f} | {mean} | {per_fold} | {r['accuracy']:.4f} | {ece} |")
        out.append("")
        ours_row = next((r for r in rows if r["name"] == OURS), None)
        peers_rows = [r for r in rows if r["name"] != OURS]
        if ours_row and peers_rows:
            best = max(peers_rows, key=lambda r: r["macro_f1"])
            best_acc = max(peers_rows, key=lambda r: r["accuracy"])
            verdicts.append(f"| {value} | {tested} | {ours_row['macro_f1']:.4f} | {best['name']} "
                            f"{best['macro_f1']:.4f} | {ours_row['macro_f1'] - best['macro_f1']:+.4f} "
                            f"| {ours_row['accuracy']:.4f} | {best_acc['name']} {best_acc['accuracy']:.4f} |")
    if verdicts:
        out = [f"Ours against the best peer, by {title}:", "",
               f"| {title} | tested | ours macro-F1 | best peer macro-F1 | margin | ours accuracy "
               "| best peer accuracy |",
               "|---|---|---|---|---|---|---|", *verdicts, ""] + out
    return "\n".join(out) + "\n"


OURS = "policy-classifier (ours)"


def main():
    parser = argparse.ArgumentParser(description="Peer comparison on policy-classifier's folds.")
    parser.add_argument("--data", nargs="+", required=True, help="labelled JSONL files")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--train-before", type=datetime.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="time split instead of cross-validation: train on every document dated "
                        "before this day (TV `20220101` and newspaper `2026-06-11` dates alike), "
                        "test on the rest")
    parser.add_argument("--by", metavar="FIELD", help="also report each value of this field of the data "
                        "lines (e.g. source); lines without it count as their file's name")
    parser.add_argument("--bin", default=default_binary(), help="policy-classifier binary "
                        "(default: target/release, else target/debug)")
    parser.add_argument("--train-arg", action="append", default=[],
                        help="extra argument for our `train` (repeatable), e.g. --train-arg=--bigrams")
    parser.add_argument("--only", nargs="+", help="run only these classifiers (names as in the table; 'ours')")
    parser.add_argument("--cache-dir", default="/tmp/policy-classifier-peers")
    parser.add_argument("--out", help="also write the tables to this file")
    args = parser.parse_args()

    def wanted(name):
        return args.only is None or name.lower() in {o.lower() for o in args.only}

    lines, records, files, digest = read_lines(args.data)
    label_names = folds_module.DEFAULT_LABELS
    label_count = len(label_names)
    labels = np.array(folds_module.read_labels(args.data, label_names))
    if len(labels) != len(lines):
        sys.exit(f"read {len(lines)} documents but {len(labels)} labels: line splitting disagrees")
    if args.train_before is None:
        assignment = folds_module.stratified_folds(labels.tolist(), args.folds, args.seed)
        splits = [([i for i, f in enumerate(assignment) if f != fold],
                   [i for i, f in enumerate(assignment) if f == fold]) for fold in range(args.folds)]
        design = (f"{args.folds}-fold stratified cross-validation over all files pooled, seed {args.seed} "
                  "(the folds of `src/model/split.rs`)")
    else:
        train, test = time_split(records, args.train_before)
        if not train or not test:
            sys.exit(f"--train-before {args.train_before}: {len(train)} documents before it, "
                     f"{len(test)} on or after it; both must be non-empty")
        splits = [(train, test)]
        design = (f"time split: trained on the {len(train)} documents dated before {args.train_before}, "
                  f"tested on the {len(test)} dated {args.train_before} or later")

    # Every grouping reported besides the pooled table: (title, [(value, member set, size)]).
    names = [os.path.basename(p) for p in args.data]
    groupings = [("file", [(names[k], {i for i, f in enumerate(files) if f == k}) for k in range(len(names))])]
    if args.by:
        values = [str(r[args.by]) if r.get(args.by) is not None else names[f] for r, f in zip(records, files)]
        order = list(dict.fromkeys(values))
        groupings.append((args.by, [(v, {i for i, x in enumerate(values) if x == v}) for v in order]))

    rows, skipped = [], []
    group_rows = {(title, value): [] for title, groups in groupings for value, _ in groups}

    def add_groups(name, settings, predictions):
        for title, groups in groupings:
            for value, members in groups:
                group_rows[(title, value)].append(
                    group_row(name, settings, labels, splits, predictions, members, label_count))

    if wanted("ours"):
        if args.bin is None:
            skipped.append((OURS, "no binary: run `cargo build --release` or pass --bin"))
        else:
            print(f"ours: {args.bin} train/eval on {len(splits)} split(s) ...", file=sys.stderr)
            summaries, predictions, seconds = ours.run_splits(
                args.bin, lines, splits, label_names, args.train_arg)
            split_rows = [(s["macro_f1"], s["accuracy"], s["expected_calibration_error"]) for s in summaries]
            for (_, test), (p, c), (f1, accuracy, ece) in zip(splits, predictions, split_rows):
                # classify must agree with eval, or the per-group numbers would not be ours.
                again = scores(labels[test], np.asarray(p), np.asarray(c), label_count)
                if abs(again[0] - f1) > 1e-9 or abs(again[1] - accuracy) > 1e-9 or abs(again[2] - ece) > 1e-6:
                    sys.exit(f"classify disagrees with eval --json: {again} vs {(f1, accuracy, ece)}")
            settings = "`train` defaults" + ("".join(" " + a for a in args.train_arg))
            rows.append(summary_row(OURS, settings, split_rows, seconds))
            add_groups(OURS, settings, predictions)

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
        predictions, seconds = run_peer(fit_predict, texts, labels, splits)
        split_rows = [scores(labels[test], p, c, label_count) for (_, test), (p, c) in zip(splits, predictions)]
        rows.append(summary_row(name, settings, split_rows, seconds))
        add_groups(name, settings, predictions)

    versions = package_versions()
    command = "python3 bench/peers/compare.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    sizes = ", ".join(f"{names[k]} {files.count(k)}" for k in range(len(names)))
    header = "\n".join([
        f"{len(lines)} documents ({sizes}), {design}.",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores: `{command}`",
        f"Python {platform.python_version()}; {versions}.",
        "Time: wall seconds to fit and predict all folds. Peers' times exclude jieba segmentation "
        f"({'cached' if segment_seconds == 0 else f'{segment_seconds:.0f} s, done once'}); "
        "ours includes its own segmentation and process start-up per fold.",
    ])
    table = render(rows, skipped, header)
    for title, groups in groupings:
        table += (f"\n### By {title}\n\nEach {title}'s documents' held-out predictions: macro-F1 over all "
                  f"{label_count} labels (a label absent from the group and never predicted counts 0, as in "
                  "`eval --by`), accuracy and ECE pooled over the folds (so they can differ a little from "
                  "the fold means above); fold mean ± sd and per-fold macro-F1 on the group's documents in "
                  "each fold.\n\n")
        table += render_groups(title, [(v, len(m), group_rows[(title, v)]) for v, m in groups])
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
