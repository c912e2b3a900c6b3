#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: installs what the tests need (a Python venv
# with jsonschema and pre-commit), checks formatting and clippy, then runs cargo test. Usage: scripts/test.sh [cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

# GNU time measures peak memory in tests/it/hostile.rs.
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq time) >/dev/null
  else
    echo "scripts/test.sh: please install GNU time (apt-get install time)" >&2
    exit 2
  fi
fi

venv=.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/test-requirements.txt
# Property tests (our fuzzing): about a minute at 10,000 cases each.
export PROPTEST_CASES="${PROPTEST_CASES:-10000}"
export KEYWARDEN_TEST_PYTHON="$PWD/$venv/bin/python"
export PATH="$PWD/$venv/bin:$PATH"

# Style gates first: they are quick and a failure says exactly what to fix.
cargo fmt --all -- --check
cargo clippy --all-targets --locked --quiet -- -D warnings
cargo build --locked --quiet
cargo test --locked "$@"
