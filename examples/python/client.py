#!/usr/bin/env python3
"""A Python client of policy-classifier, on stubs generated from proto/.

    python3 examples/python/gen_stubs.py build/py          # once
    export PYTHONPATH=build/py
    python3 examples/python/client.py --addr localhost:50051 info
    python3 examples/python/client.py classify articles.jsonl   # or - for stdin
    python3 examples/python/client.py stream articles.jsonl
    python3 examples/python/client.py batch articles.jsonl
    python3 examples/python/client.py segment "海关推广关税保证保险"

Input articles are JSONL, one {"id", "title", "text" | "body"} a line.
Every answer is printed as one JSON object a line (proto field names).
A file that cannot be read or a line that is not an article stops the run
with one `error: FILE:LINE: ...` line and exit status 1 (the articles before
it are answered).
`classify` makes one Classify call per article; `stream` sends them over
one ClassifyStream, so a large file is answered as it is read; `batch`
sends them all in one ClassifyBatch call.
"""
import argparse
import json
import sys

import grpc
from google.protobuf import json_format

try:
    from policy.classifier.v1 import classifier_pb2 as pb
    from policy.classifier.v1 import classifier_pb2_grpc as pb_grpc
except ImportError:
    sys.exit("stubs not found: run `python3 examples/python/gen_stubs.py DIR` "
             "and put DIR on PYTHONPATH")


def to_json(message) -> str:
    return json.dumps(
        json_format.MessageToDict(message, preserving_proto_field_name=True),
        ensure_ascii=False,
    )


class InputError(Exception):
    """An input file that cannot be read, or a line that is not an article."""


def read_articles(path: str):
    """The articles of a JSONL file, read lazily; InputError names the file
    (and line) when it cannot be opened or a line is not an article."""
    try:
        source = sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot open it: {error.strerror}") from None
    with source:
        try:
            for number, line in enumerate(source, 1):
                if line.strip():
                    yield article_of(line, f"{path}:{number}", number)
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: not UTF-8 text ({error.reason})") from None


def article_of(line: str, where: str, number: int):
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(item, dict):
        raise InputError(f"{where}: not a JSON object")
    fields = {"title": item.get("title", ""), "text": item.get("text", item.get("body", ""))}
    for name, value in fields.items():
        if not isinstance(value, str):
            raise InputError(f"{where}: \"{name}\" must be a string")
    return pb.Article(id=str(item.get("id", number)), title=fields["title"], body=fields["text"])


def stream_requests(path: str, explain: bool, failures: list):
    """ClassifyStream requests; an InputError ends the stream (the articles
    before it are still answered) and is kept in `failures` to report, since
    grpcio reads this iterator on its own thread."""
    try:
        for article in read_articles(path):
            yield pb.ClassifyRequest(article=article, explain=explain)
    except InputError as error:
        failures.append(error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--addr", default="localhost:50051", help="server host:port")
    parser.add_argument("--explain", action="store_true", help="ask for evidence terms")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per call")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="describe the loaded model")
    for name in ("classify", "stream", "batch"):
        sub = commands.add_parser(name, help=f"{name} JSONL articles")
        sub.add_argument("input", help="JSONL file, or - for standard input")
    segment = commands.add_parser("segment", help="tokens the model sees for a text")
    segment.add_argument("text")
    args = parser.parse_args()

    with grpc.insecure_channel(args.addr) as channel:
        stub = pb_grpc.PolicyClassifierStub(channel)
        try:
            if args.command == "info":
                print(to_json(stub.GetModelInfo(pb.GetModelInfoRequest(), timeout=args.timeout)))
            elif args.command == "segment":
                print(to_json(stub.Segment(pb.SegmentRequest(text=args.text),
                                           timeout=args.timeout)))
            elif args.command == "batch":
                request = pb.ClassifyBatchRequest(articles=list(read_articles(args.input)),
                                                  explain=args.explain)
                for result in stub.ClassifyBatch(request, timeout=args.timeout).results:
                    print(to_json(result))
            elif args.command == "classify":
                for article in read_articles(args.input):
                    request = pb.ClassifyRequest(article=article, explain=args.explain)
                    print(to_json(stub.Classify(request, timeout=args.timeout)), flush=True)
            else:
                failures = []
                requests = stream_requests(args.input, args.explain, failures)
                for response in stub.ClassifyStream(requests, timeout=args.timeout):
                    print(to_json(response), flush=True)
                if failures:
                    raise failures[0]
        except grpc.RpcError as error:
            print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
        except InputError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
