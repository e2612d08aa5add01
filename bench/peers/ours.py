"""Our model on the same folds, through the `policy-classifier` CLI.

Each fold's training lines are written to a temporary JSONL file (outside
the repository), `train` fits a model on them with its default settings
(the shipped configuration) and `eval --json` scores the fold's test lines.
This needs nothing but `train` and `eval --json`, and because the folds come
from `folds.py` (proven equal to `split.rs`) the comparison stays fair.
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


def run_folds(binary, lines, assignment, folds, train_args=()):
    """Per-fold `eval --json` summaries and the total seconds spent."""
    summaries = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="peers-ours-") as tmp:
        for fold in range(folds):
            train = os.path.join(tmp, "train.jsonl")
            test = os.path.join(tmp, "test.jsonl")
            model = os.path.join(tmp, "fold.model")
            _write(train, [l for l, f in zip(lines, assignment) if f != fold])
            _write(test, [l for l, f in zip(lines, assignment) if f == fold])
            subprocess.run(
                [binary, "train", "--data", train, "--out", model, "--force", *train_args],
                check=True, capture_output=True, text=True,
            )
            result = subprocess.run(
                [binary, "eval", "--model", model, "--data", test, "--json"],
                check=True, capture_output=True, text=True,
            )
            summaries.append(json.loads(result.stdout))
    return summaries, time.perf_counter() - started
