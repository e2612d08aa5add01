"""Our model on the same splits, through the `policy-classifier` CLI.

For each split (a cross-validation fold, or the one time split), the
training lines are written to a temporary JSONL file (outside the
repository), `train` fits a model on them with its default settings (the
shipped configuration), `eval --json` scores the test lines (the pooled
numbers, exactly what `eval` reports), and `classify` gives every test
line's label and confidence, from which compare.py computes the numbers of
each input file (or `--by` group) with the same code as for the peers.
This needs nothing but `train`, `eval --json` and `classify`, and because
the folds come from `folds.py` (proven equal to `split.rs`) the comparison
stays fair.
"""

import json
import os
import subprocess
import tempfile
import time


def _write(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line.rstrip("\n") + "\n")


def run_splits(binary, lines, splits, label_names, train_args=()):
    """For each `(train_indices, test_indices)`: the `eval --json` summary
    and the `classify` predictions of the test lines, as
    `(label_indices, confidences)` in test order; and the seconds spent in
    `train` and `eval` (classify's time is not counted: it only re-reads
    what eval already scored)."""
    index = {name: i for i, name in enumerate(label_names)}
    summaries, predictions = [], []
    seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="peers-ours-") as tmp:
        for train_indices, test_indices in splits:
            train = os.path.join(tmp, "train.jsonl")
            test = os.path.join(tmp, "test.jsonl")
            model = os.path.join(tmp, "split.model")
            started = time.perf_counter()
            _write(train, [lines[i] for i in train_indices])
            _write(test, [lines[i] for i in test_indices])
            subprocess.run(
                [binary, "train", "--data", train, "--out", model, "--force", *train_args],
                check=True, capture_output=True, text=True,
            )
            result = subprocess.run(
                [binary, "eval", "--model", model, "--data", test, "--json"],
                check=True, capture_output=True, text=True,
            )
            seconds += time.perf_counter() - started
            summaries.append(json.loads(result.stdout))
            result = subprocess.run(
                [binary, "classify", "--model", model, "--format", "jsonl", test],
                check=True, capture_output=True, text=True,
            )
            answers = [json.loads(l) for l in result.stdout.split("\n") if l.strip()]
            if len(answers) != len(test_indices):
                raise RuntimeError(f"classify answered {len(answers)} of {len(test_indices)} test lines")
            predictions.append((
                [index[a["label"]] for a in answers],
                [float(a["confidence"]) for a in answers],
            ))
    return summaries, predictions, seconds
