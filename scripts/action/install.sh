#!/usr/bin/env bash
# Install keywarden for the action. A version tag (the action's own ref, or the `version`
# input) downloads the release archive for this runner, checks it against the release's
# SHA256SUMS and refuses to run it on a mismatch; a branch, a SHA or a missing release builds
# from the action's own checkout instead (cached per ref and source hash in the tool cache).
set -euo pipefail
: "${ACTION_PATH:?}"
fail() { echo "::error title=keywarden install::$1"; echo "keywarden: $1" >&2; exit 2; }

root="${RUNNER_TOOL_CACHE:-${HOME:-/tmp}/.cache}/keywarden"
version="${INPUT_VERSION:-}"
[ -n "$version" ] || version="${ACTION_REF:-}"

target=""
os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
case "$os/$arch" in
  Linux/X64|Linux/x86_64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64|Linux/aarch64) target=aarch64-unknown-linux-musl ;;
  macOS/X64|Darwin/x86_64) target=x86_64-apple-darwin ;;
  macOS/ARM64|Darwin/arm64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
esac

install_release() {
  local archive="keywarden-$version-$target.tar.gz"
  [ "$target" = x86_64-pc-windows-msvc ] && archive="keywarden-$version-$target.zip"
  local base="${INPUT_RELEASE_URL:-}"
  [ -n "$base" ] || base="${GITHUB_SERVER_URL:-https://github.com}/${ACTION_REPOSITORY:-keywarden/keywarden}/releases/download"
  local dest="$root/$version-$target"
  if [ -x "$dest/keywarden" ] || [ -x "$dest/keywarden.exe" ]; then
    echo "$dest" >> "${GITHUB_PATH:-/dev/null}"
    export PATH="$dest:$PATH"
    return 0
  fi
  local tmp
  tmp=$(mktemp -d)
  if ! curl -fsSL --retry 2 -o "$tmp/$archive" "$base/$version/$archive" \
     || ! curl -fsSL --retry 2 -o "$tmp/SHA256SUMS" "$base/$version/SHA256SUMS"; then
    echo "No release archive $archive for $version at $base; building from source."
    rm -rf "$tmp"
    return 1
  fi
  local expected actual
  expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
  [ -n "$expected" ] || fail "the SHA256SUMS of release $version lists no $archive; refusing to run an unchecked binary."
  actual=$(sha256sum "$tmp/$archive" | cut -d' ' -f1)
  [ "$actual" = "$expected" ] || fail "checksum mismatch for $archive of release $version: SHA256SUMS says $expected, the download is $actual. Refusing to run it."
  mkdir -p "$dest"
  case "$archive" in
    *.zip) (cd "$tmp" && unzip -q "$archive") ;;
    *) tar -xzf "$tmp/$archive" -C "$tmp" ;;
  esac
  find "$tmp" -type f \( -name keywarden -o -name keywarden.exe \) -exec cp {} "$dest/" \;
  chmod +x "$dest"/keywarden* 2>/dev/null || true
  rm -rf "$tmp"
  echo "Installed keywarden $version ($target) from the release, checksum verified."
  echo "$dest" >> "${GITHUB_PATH:-/dev/null}"
  export PATH="$dest:$PATH"
}

if [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] && [ -n "$target" ] && install_release; then
  keywarden --version
  exit 0
fi

src_hash=$(cd "$ACTION_PATH" && find Cargo.toml Cargo.lock src rules -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
ref="${ACTION_REF:-local}"
dest="$root/${ref//\//_}-$src_hash"
if [ ! -x "$dest/bin/keywarden" ]; then
  command -v cargo >/dev/null || fail "no release for '${version:-this ref}' and no cargo to build one; use a release tag (uses: keywarden/keywarden@vX.Y.Z) or set up Rust first."
  echo "Building keywarden from $ACTION_PATH (cached in $dest)"
  # KEYWARDEN_BUILD_TARGET_DIR: a build directory that outlives the runner (the test suite's).
  CARGO_TARGET_DIR="${KEYWARDEN_BUILD_TARGET_DIR:-$root/target}" cargo install --locked --quiet --path "$ACTION_PATH" --root "$dest"
fi
echo "$dest/bin" >> "${GITHUB_PATH:-/dev/null}"
"$dest/bin/keywarden" --version
