"""Stratified K-fold assignment identical to `src/model/split.rs`.

The peer comparison must score every classifier on exactly the folds our
Rust harness uses, so this is a line-for-line port of `stratified_folds`:
for each label index in order, shuffle that label's documents (in file
order) with SplitMix64 and deal them round-robin onto the folds.
`tests/peer_folds.rs` runs this file and compares it with the Rust code.

Standard library only, so the agreement check needs nothing but python3:

    python3 bench/peers/folds.py --data FILE.jsonl [--folds 5] [--seed 17]

prints the fold of every document, in file order, as one JSON array.
"""

import argparse
import json
import sys

MASK64 = (1 << 64) - 1

# The label order of `src/model/mod.rs::DEFAULT_LABELS`: label indices, and
# so the order labels are shuffled in, must match the Rust side.
DEFAULT_LABELS = ["infrastructure", "industry_policy", "labor", "trade", "urban", "other"]


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


def _shuffle(items, rng):
    for i in range(len(items) - 1, 0, -1):
        j = rng.next() % (i + 1)
        items[i], items[j] = items[j], items[i]


def stratified_folds(labels, folds, seed):
    """Fold index of every document; `labels` are label indices."""
    assignment = [0] * len(labels)
    label_count = max(labels) + 1 if labels else 0
    rng = SplitMix64(seed)
    for label in range(label_count):
        members = [i for i, l in enumerate(labels) if l == label]
        _shuffle(members, rng)
        for rank, doc in enumerate(members):
            assignment[doc] = rank % folds
    return assignment


def read_labels(paths, label_names=DEFAULT_LABELS):
    """Label index of every non-blank line, files in order, like `read_corpus`."""
    index = {name: i for i, name in enumerate(label_names)}
    labels = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                name = json.loads(line).get("label")
                if name not in index:
                    sys.exit(f"{path}:{number}: unknown or missing label {name!r}")
                labels.append(index[name])
    return labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", nargs="+", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--labels", default=",".join(DEFAULT_LABELS))
    args = parser.parse_args()
    labels = read_labels(args.data, args.labels.split(","))
    print(json.dumps(stratified_folds(labels, args.folds, args.seed)))


if __name__ == "__main__":
    main()
