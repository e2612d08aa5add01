#!/usr/bin/env python3
"""Generates the Python gRPC stubs of policy-classifier from proto/.

    python3 examples/python/gen_stubs.py OUT_DIR

writes OUT_DIR/policy/classifier/v1/classifier_pb2.py and
classifier_pb2_grpc.py. Put OUT_DIR on PYTHONPATH to import them.
Needs: pip install grpcio-tools  (scripts/install-test-tools.sh does it).
"""
import pathlib
import sys

try:
    from grpc_tools import protoc
except ImportError:
    sys.exit("grpcio-tools is missing: pip install grpcio grpcio-tools protobuf "
             "(or run scripts/install-test-tools.sh)")

PROTO_ROOT = pathlib.Path(__file__).resolve().parents[2] / "proto"
PROTO = "policy/classifier/v1/classifier.proto"


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    # protoc's own well-known types (none used today) come with grpc_tools.
    well_known = pathlib.Path(protoc.__file__).parent / "_proto"
    status = protoc.main([
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        PROTO,
    ])
    if status != 0:
        sys.exit(f"protoc failed with status {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
