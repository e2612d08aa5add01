"""jieba tokens of every article, computed once and cached.

Peers see what our model reads: the headline block (a newspaper's kicker,
`kicker` or `intro_title`, then the title, then its deck, `subtitle`; each
part on its own line, empty parts left out) and the body (`text` or `body`),
NFKC-folded and lower-cased like our own text path, cut by Python's `jieba`
(precise mode, HMM on), with whitespace, punctuation and bare numbers
dropped. The byline is left out, as our model leaves it out. No stop-word
list, no user dictionary: those are our model's own text-path choices. A TV
item (title and text only) gives exactly the string version 1 cut.
"""

import hashlib
import json
import os
import time
import unicodedata

# Bump when the tokenisation below changes, so stale caches are not reused.
# 2: the kicker and deck joined the title (version 1 read title and body only).
TOKENISER_VERSION = "2"


def article_text(record):
    """The text peers are given: headline block, newline, body."""
    head = [record.get(key) or "" for key in ("kicker", "title", "subtitle")]
    if not head[0]:
        head[0] = record.get("intro_title") or ""
    return "\n".join(part for part in head if part) + "\n" + (record.get("text") or record.get("body") or "")


def _tokens(jieba, text):
    folded = unicodedata.normalize("NFKC", text).lower()
    return [t for t in jieba.lcut(folded, HMM=True) if any(c.isalpha() for c in t)]


def segment_corpus(records, corpus_digest, cache_dir):
    """Token lists aligned with `records`, and the seconds segmentation took
    (0 when read from the cache). `corpus_digest` names the input files'
    bytes; the key adds the tokeniser version and jieba's, so a cache made
    by an older text rule is never read."""
    import jieba

    jieba.setLogLevel(60)  # silence "Building prefix dict..."
    key = hashlib.sha256(f"{corpus_digest}:{TOKENISER_VERSION}:{jieba.__version__}".encode()).hexdigest()
    path = os.path.join(cache_dir, f"tokens-{key[:24]}.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f), 0.0
    started = time.perf_counter()
    tokens = [_tokens(jieba, article_text(r)) for r in records]
    elapsed = time.perf_counter() - started
    os.makedirs(cache_dir, exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(tokens, f, ensure_ascii=False)
    os.replace(path + ".tmp", path)
    return tokens, elapsed
