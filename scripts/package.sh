#!/usr/bin/env bash
# Build keywarden for one target and package it the way the release workflow publishes it and
# `cargo binstall` and the GitHub Action download it:
#   dist/keywarden-vX.Y.Z-TARGET.tar.gz  (a .zip for Windows), holding
#   keywarden-vX.Y.Z-TARGET/keywarden[.exe] and README.md
# and the archive's line in dist/SHA256SUMS.
#
#   scripts/package.sh x86_64-unknown-linux-musl      # the recipe, runnable on any machine
set -euo pipefail
target="${1:?usage: scripts/package.sh TARGET}"
cd "$(dirname "$0")/.."
version="v$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
name="keywarden-$version-$target"
exe=keywarden
case "$target" in *windows*) exe=keywarden.exe ;; esac

rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"
cargo build --release --locked --target "$target"

mkdir -p "dist/$name"
cp "target/$target/release/$exe" README.md "dist/$name/"
cd dist
case "$target" in
  *windows*) archive="$name.zip"; rm -f "$archive"; (command -v zip >/dev/null && zip -qr "$archive" "$name") || 7z a -bd "$archive" "$name" >/dev/null ;;
  *) archive="$name.tar.gz"; tar -czf "$archive" "$name" ;;
esac
rm -rf "$name"
sum=$(sha256sum "$archive" 2>/dev/null || shasum -a 256 "$archive")
touch SHA256SUMS
grep -v "  $archive\$" SHA256SUMS > SHA256SUMS.tmp || true
echo "$sum" | awk '{print $1 "  " $2}' >> SHA256SUMS.tmp
mv SHA256SUMS.tmp SHA256SUMS
echo "dist/$archive"
