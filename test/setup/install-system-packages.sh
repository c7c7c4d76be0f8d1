#!/usr/bin/env bash
# Debian packages the tests need: a real Docker daemon, busybox for offline test images, Chromium
# for the VS Code workbench, libkrb5-dev for code-server's native "kerberos" module, and attr
# (getfattr) for the opaque marks of Podman's and containerd's snapshot folders; podman, uidmap
# and curl for the Podman service's tests (rootful and rootless).
# Installs only what is missing, and only as root; otherwise says what to install.
set -euo pipefail

needed=()
command -v dockerd >/dev/null 2>&1 || needed+=(docker.io)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || needed+=(busybox-static)
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
command -v getfattr >/dev/null 2>&1 || needed+=(attr)
command -v podman >/dev/null 2>&1 || needed+=(podman)
command -v newuidmap >/dev/null 2>&1 || needed+=(uidmap)
command -v curl >/dev/null 2>&1 || needed+=(curl)
[ -f /usr/include/gssapi/gssapi.h ] || [ -f /usr/include/krb5.h ] || needed+=(libkrb5-dev)

if [ ${#needed[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${needed[*]} (install them as root: apt-get install -y ${needed[*]})" >&2
  exit 1
fi
echo "Installing ${needed[*]} …"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
