"""jieba tokens of every article, computed once and cached.

Peers see what a user would feed them: title and body, NFKC-folded and
lower-cased like our own text path, cut by Python's `jieba` (precise mode,
HMM on), with whitespace, punctuation and bare numbers dropped. No stop-word
list, no user dictionary: those are our model's own text-path choices.
"""

import hashlib
import json
import os
import time
import unicodedata

# Bump when the tokenisation below changes, so stale caches are not reused.
TOKENISER_VERSION = "1"


def _tokens(jieba, text):
    folded = unicodedata.normalize("NFKC", text).lower()
    return [t for t in jieba.lcut(folded, HMM=True) if any(c.isalpha() for c in t)]


def segment_corpus(records, corpus_digest, cache_dir):
    """Token lists aligned with `records`, and the seconds segmentation took
    (0 when read from the cache)."""
    import jieba

    jieba.setLogLevel(60)  # silence "Building prefix dict..."
    key = hashlib.sha256(f"{corpus_digest}:{TOKENISER_VERSION}:{jieba.__version__}".encode()).hexdigest()
    path = os.path.join(cache_dir, f"tokens-{key[:24]}.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f), 0.0
    started = time.perf_counter()
    tokens = [_tokens(jieba, r.get("title", "") + "\n" + (r.get("text") or r.get("body") or "")) for r in records]
    elapsed = time.perf_counter() - started
    os.makedirs(cache_dir, exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(tokens, f, ensure_ascii=False)
    os.replace(path + ".tmp", path)
    return tokens, elapsed
