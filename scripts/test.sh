#!/usr/bin/env bash
# The project's test command: installs the test tools if missing, then runs
# formatting and lint checks and every test (unit, integration, interop).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x scripts/install-test-tools.sh ]; then
  scripts/install-test-tools.sh
fi

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked
