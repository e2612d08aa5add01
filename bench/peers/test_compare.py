"""Checks of the bench's own bookkeeping (no corpus, no binary, no jieba):

    /tmp/peers-venv/bin/python -m unittest discover -s bench/peers -p 'test_*.py'

Needs numpy (compare.py's metrics); jieba and scikit-learn are not imported.
"""

import datetime
import json
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from segment import article_text  # noqa: E402


class ArticleText(unittest.TestCase):
    def test_a_tv_item_reads_as_title_and_text_as_before(self):
        record = {"title": "港口", "text": "正文", "date": "20220101"}
        self.assertEqual(article_text(record), "港口\n正文")

    def test_kicker_or_intro_title_and_subtitle_join_the_headline_and_byline_is_left_out(self):
        record = {"intro_title": "引题", "title": "主题", "subtitle": "副题", "byline": "记者",
                  "text": "正文"}
        self.assertEqual(article_text(record), "引题\n主题\n副题\n正文")
        self.assertEqual(article_text({"kicker": "引", "title": "主", "body": "文"}), "引\n主\n文")

    def test_null_parts_add_nothing(self):
        record = {"intro_title": None, "title": "主题", "subtitle": None, "byline": None, "text": "正文"}
        self.assertEqual(article_text(record), "主题\n正文")


class TimeSplit(unittest.TestCase):
    def test_both_date_shapes_are_read(self):
        self.assertEqual(compare.normalise_date("20220101"), datetime.date(2022, 1, 1))
        self.assertEqual(compare.normalise_date("2026-06-11"), datetime.date(2026, 6, 11))

    def test_documents_before_the_day_train_the_rest_test(self):
        records = [{"date": "20251231"}, {"date": "2026-06-01"}, {"date": "2026-05-31"}, {"date": "20260602"}]
        self.assertEqual(compare.time_split(records, datetime.date(2026, 6, 1)), ([0, 2], [1, 3]))

    def test_an_undated_document_is_refused(self):
        with self.assertRaises(SystemExit):
            compare.time_split([{"date": "2026-06-01"}, {}], datetime.date(2026, 6, 1))


class Groups(unittest.TestCase):
    def test_lines_remember_their_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a.jsonl"), os.path.join(tmp, "b.jsonl")
            with open(a, "w", encoding="utf-8") as f:
                f.write(json.dumps({"label": "other"}) + "\n\n" + json.dumps({"label": "trade"}) + "\n")
            with open(b, "w", encoding="utf-8") as f:
                f.write(json.dumps({"label": "labor"}) + "\n")
            lines, records, files, digest = compare.read_lines([a, b])
            self.assertEqual(files, [0, 0, 1])
            self.assertEqual([r["label"] for r in records], ["other", "trade", "labor"])
            self.assertNotEqual(digest, compare.read_lines([b, a])[3])

    def test_a_group_pools_its_members_held_out_predictions(self):
        labels = np.array([0, 1, 0, 1, 0, 1])
        splits = [([2, 3, 4, 5], [0, 1]), ([0, 1, 4, 5], [2, 3]), ([0, 1, 2, 3], [4, 5])]
        # Right on 0, 1, 2, 4; wrong on 3 and 5.
        predictions = [([0, 1], [0.9, 0.8]), ([0, 0], [0.7, 0.6]), ([0, 0], [0.9, 0.5])]
        row = compare.group_row("x", "", labels, splits, predictions, {1, 3, 5}, 2)
        self.assertEqual(row["documents"], 3)
        self.assertAlmostEqual(row["accuracy"], 1 / 3)
        self.assertEqual(len(row["per_fold"]), 3)
        self.assertIsNone(compare.group_row("x", "", labels, splits[:1], predictions[:1], {4}, 2))

    def test_no_confidence_means_no_ece(self):
        labels = np.array([0, 1])
        row = compare.group_row("svc", "", labels, [([], [0, 1])], [(np.array([0, 1]), None)], {0, 1}, 2)
        self.assertIsNone(row["ece"])
        self.assertEqual(row["macro_f1"], 1.0)


if __name__ == "__main__":
    unittest.main()
