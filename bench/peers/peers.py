"""The classifiers a user would otherwise reach for, each as
`fit_predict(train_docs, train_labels, test_docs) -> (predicted, probabilities)`
over space-joined jieba tokens. `probabilities` is None for models that give
none (LinearSVC). Settings are the common, documented ones for text, not
tuned on this corpus.
"""

import os
import tempfile

import numpy as np


def _count_nb(make_model):
    from sklearn.feature_extraction.text import CountVectorizer

    def fit_predict(train, y, test):
        vectoriser = CountVectorizer(token_pattern=r"\S+", lowercase=False)
        model = make_model().fit(vectoriser.fit_transform(train), y)
        x = vectoriser.transform(test)
        return model.predict(x), model.predict_proba(x)

    return fit_predict


def _tfidf(make_model, probabilities):
    from sklearn.feature_extraction.text import TfidfVectorizer

    def fit_predict(train, y, test):
        vectoriser = TfidfVectorizer(
            token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2), sublinear_tf=True
        )
        model = make_model().fit(vectoriser.fit_transform(train), y)
        x = vectoriser.transform(test)
        return model.predict(x), (model.predict_proba(x) if probabilities else None)

    return fit_predict


def _fasttext(train, y, test):
    import fasttext

    label_count = max(y) + 1
    with tempfile.TemporaryDirectory(prefix="peers-fasttext-") as tmp:
        path = os.path.join(tmp, "train.txt")
        with open(path, "w", encoding="utf-8") as f:
            for text, label in zip(train, y):
                f.write(f"__label__{label} {text}\n")
        # The fastText tutorial's settings for small text sets; one thread so
        # that a rerun gives the same numbers.
        model = fasttext.train_supervised(
            input=path, epoch=25, lr=0.5, wordNgrams=2, dim=100, minCount=1,
            loss="softmax", thread=1, seed=17, verbose=0,
        )
    probabilities = np.zeros((len(test), label_count))
    for row, text in enumerate(test):
        # The low-level call: fasttext 0.9.2's `predict` breaks on NumPy 2.
        for p, name in model.f.predict(text + "\n", -1, 0.0, "strict"):
            probabilities[row, int(name[len("__label__"):])] = p
    return probabilities.argmax(axis=1), probabilities


def fasttext_available():
    try:
        import fasttext  # noqa: F401
    except ImportError as error:
        return str(error)
    return None


def all_peers():
    """(name, settings, fit_predict) of every peer, in table order."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB, MultinomialNB
    from sklearn.svm import LinearSVC

    return [
        ("MultinomialNB", "word counts, alpha=1", _count_nb(MultinomialNB)),
        ("ComplementNB", "word counts, alpha=1", _count_nb(ComplementNB)),
        ("LinearSVC", "TF-IDF 1-2-grams, sublinear tf, C=1",
         _tfidf(lambda: LinearSVC(C=1.0), probabilities=False)),
        ("LogisticRegression", "TF-IDF 1-2-grams, sublinear tf, C=10",
         _tfidf(lambda: LogisticRegression(C=10.0, max_iter=2000), probabilities=True)),
        ("fastText", "supervised, epoch 25, lr 0.5, wordNgrams 2, dim 100", _fasttext),
    ]
