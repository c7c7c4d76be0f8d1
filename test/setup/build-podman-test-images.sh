#!/usr/bin/env bash
# Build the offline Podman test image and container (no registry needed), for record-podman-fixtures.mjs.
#   usage: build-podman-test-images.sh      (as root; apt-get install -y podman busybox-static)
# Uses Podman's own storage (/var/lib/containers/storage), never Docker's. Rebuilds from scratch each time:
# dle-podman-base (busybox rootfs, `podman import`), dle-podman-app:1.0 (buildah, --network none
# --pull=never) and the container dle-podman-container (created, never run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CONTEXT="$ROOT/test/setup/images/dle-podman-app"
fail() { echo "build-podman-test-images: ERROR: $*" >&2; exit 1; }
command -v podman >/dev/null || fail "podman is not installed (apt-get install -y podman)"
[ -x /bin/busybox ] || fail "/bin/busybox missing (apt-get install -y busybox-static)"

podman rm -f dle-podman-container >/dev/null 2>&1 || true
podman rmi -f dle-podman-app:1.0 dle-podman-base:latest >/dev/null 2>&1 || true

ROOTFS="$(mktemp -d)"
trap 'rm -rf "$ROOTFS"' EXIT
mkdir -p "$ROOTFS/bin"
cp /bin/busybox "$ROOTFS/bin/busybox"
for applet in sh ls echo cat touch mkdir rm cp mv ln true; do ln -s busybox "$ROOTFS/bin/$applet"; done
tar -C "$ROOTFS" -c . | podman import - dle-podman-base:latest >/dev/null
podman build --network none --pull=never -t dle-podman-app:1.0 "$CONTEXT"
podman create --name dle-podman-container dle-podman-app:1.0 >/dev/null
podman images --filter reference='dle-podman-*'
podman ps -a --filter name='^dle-podman-'
