#!/usr/bin/env bash
# Build keywarden from the action's own checkout so its version always matches the action.
# The binary is cached per action ref and source hash under the runner's tool cache.
set -euo pipefail
: "${ACTION_PATH:?}"
root="${RUNNER_TOOL_CACHE:-${HOME:-/tmp}/.cache}/keywarden"
src_hash=$(cd "$ACTION_PATH" && find Cargo.toml Cargo.lock src rules -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
ref="${ACTION_REF:-local}"
dest="$root/${ref//\//_}-$src_hash"
if [ ! -x "$dest/bin/keywarden" ]; then
  echo "Building keywarden from $ACTION_PATH (cached in $dest)"
  CARGO_TARGET_DIR="$root/target" cargo install --locked --quiet --path "$ACTION_PATH" --root "$dest"
fi
echo "$dest/bin" >> "${GITHUB_PATH:-/dev/null}"
"$dest/bin/keywarden" --version
