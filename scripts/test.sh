#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: installs what the tests need (a Python venv with
# jsonschema, pre-commit, check-jsonschema, actionlint, act, maturin and playwright; Debian's
# chromium), checks formatting and clippy, then runs cargo test with the ignored tests included.
# Plain `cargo test` runs everything that needs only a Rust toolchain; the tests marked
# `#[ignore = "needs …; run scripts/test.sh"]` need these tools (and ../shared's schemas), and
# here a missing tool is a failure, never a skip. Usage: scripts/test.sh [cargo test filters]
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/test-requirements.txt
# Debian's Chromium for the HTML report's browser test (driven by Playwright from the venv).
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# Property tests (our fuzzing): about a minute at 10,000 cases each.
export PROPTEST_CASES="${PROPTEST_CASES:-10000}"
export KEYWARDEN_TEST_PYTHON="$PWD/$venv/bin/python"
export PATH="$PWD/$venv/bin:$PATH"

# Style gates first: they are quick and a failure says exactly what to fix.
cargo fmt --all -- --check
cargo clippy --all-targets --locked --quiet -- -D warnings
cargo build --locked --quiet
cargo test --locked "$@" -- --include-ignored
