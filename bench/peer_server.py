#!/usr/bin/env python3
"""The peer for scripts/loadtest.sh: what a team would build in Python.

The same gRPC API (stubs generated from proto/ at start with grpcio-tools),
jieba for segmentation and scikit-learn's MultinomialNB over a
CountVectorizer, served by grpcio. To be fair to it on a multi-core machine
it runs one server process per core on the same port (SO_REUSEPORT), since
one Python process only ever uses one core for this work.

    python bench/peer_server.py --port 50071 --train articles.jsonl
"""

import argparse
import json
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import time
from concurrent import futures

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTO_DIR = os.path.join(ROOT, "proto")
PROTO = "policy/classifier/v1/classifier.proto"


def generate_stubs(out_dir):
    """Compiles proto/ into importable modules in out_dir."""
    from grpc_tools import protoc

    code = protoc.main([
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        PROTO,
    ])
    if code != 0:
        sys.exit(f"protoc failed on {PROTO}")
    sys.path.insert(0, out_dir)


def read_articles(path, limit):
    articles = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                item = json.loads(line)
                body = item.get("text", item.get("body", ""))
                articles.append((item.get("title", ""), body, item.get("label")))
            if len(articles) >= limit:
                break
    return articles


def tokenize(text):
    import jieba

    return [w for w in jieba.lcut(text) if w.strip()]


def train(path, limit):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB

    articles = [a for a in read_articles(path, limit) if a[2]]
    vectorizer = CountVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=True)
    matrix = vectorizer.fit_transform(f"{t} {t} {b}" for t, b, _ in articles)
    model = MultinomialNB(alpha=0.1).fit(matrix, [a[2] for a in articles])
    return vectorizer, model


class Classifier:
    def __init__(self, vectorizer, model, pb2):
        self.vectorizer = vectorizer
        self.model = model
        self.pb2 = pb2

    def answer(self, articles):
        matrix = self.vectorizer.transform(f"{a.title} {a.title} {a.body}" for a in articles)
        probabilities = self.model.predict_proba(matrix)
        labels = self.model.classes_
        responses = []
        for article, row in zip(articles, probabilities):
            order = row.argsort()[::-1]
            responses.append(self.pb2.ClassifyResponse(
                id=article.id,
                label=labels[order[0]],
                confidence=float(row[order[0]]),
                scores=[self.pb2.LabelScore(label=labels[i], probability=float(row[i])) for i in order],
                model_version="python-peer",
            ))
        return responses


def serve(port, threads, vectorizer, model, stub_dir):
    import grpc

    sys.path.insert(0, stub_dir)
    from policy.classifier.v1 import classifier_pb2 as pb2
    from policy.classifier.v1 import classifier_pb2_grpc as pb2_grpc

    core = Classifier(vectorizer, model, pb2)

    class Servicer(pb2_grpc.PolicyClassifierServicer):
        def Classify(self, request, context):
            return core.answer([request.article])[0]

        def ClassifyBatch(self, request, context):
            return pb2.ClassifyBatchResponse(results=core.answer(list(request.articles)))

        def ClassifyStream(self, request_iterator, context):
            for request in request_iterator:
                yield core.answer([request.article])[0]

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=threads),
        options=[
            ("grpc.so_reuseport", 1),
            ("grpc.max_receive_message_length", 64 << 20),
            ("grpc.max_send_message_length", 64 << 20),
        ],
    )
    pb2_grpc.add_PolicyClassifierServicer_to_server(Servicer(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=50071)
    parser.add_argument("--train", required=True, help="labelled JSONL (title, text|body, label)")
    parser.add_argument("--train-limit", type=int, default=1000,
                        help="articles to train on (Python jieba is slow; quality is not measured here)")
    parser.add_argument("--processes", type=int, default=os.cpu_count())
    parser.add_argument("--threads", type=int, default=8, help="grpcio worker threads per process")
    parser.add_argument("--cache", help="pickle file to reuse the fitted model across runs")
    args = parser.parse_args()

    stub_dir = tempfile.mkdtemp(prefix="peer-stubs-")
    generate_stubs(stub_dir)
    started = time.time()
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, "rb") as f:
            vectorizer, model = pickle.load(f)
    else:
        vectorizer, model = train(args.train, args.train_limit)
        if args.cache:
            with open(args.cache, "wb") as f:
                pickle.dump((vectorizer, model), f)
    import jieba

    jieba.initialize()
    print(f"peer: model ready in {time.time() - started:.1f}s, {len(vectorizer.vocabulary_)} terms, "
          f"{args.processes} processes", file=sys.stderr, flush=True)

    # Fork the servers only now: grpcio must not have started a server
    # before a fork.
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=serve, args=(args.port, args.threads, vectorizer, model, stub_dir))
               for _ in range(args.processes)]
    for worker in workers:
        worker.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        for worker in workers:
            worker.join()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        for worker in workers:
            worker.terminate()


if __name__ == "__main__":
    main()
