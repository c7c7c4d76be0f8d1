#!/usr/bin/env bash
# Build the offline Podman test images and container (no registry needed), for record-podman-fixtures.mjs
# and test/integration/podman.test.ts.
#   usage: build-podman-test-images.sh [PODMAN GLOBAL OPTION...]
#     (as root; apt-get install -y podman busybox-static). The options go to every podman call, e.g.
#     --root R --runroot RUN --tmpdir T --storage-driver overlay --events-backend file, as
#     start-podman-service.sh passes them for its own storage; without any, Podman's default storage
#     (/var/lib/containers/storage). Never Docker's.
# Rebuilds from scratch each time:
#   dle-podman-base     busybox rootfs (`podman import`)
#   dle-podman-app:1.0  test/setup/images/dle-podman-app (buildah, --network none --pull=never)
#   dle-podman-changes:1.0  on top of dle-podman-app: a deleted file (a whiteout) and a folder
#                       removed and made again (an opaque folder, marked only by an xattr on disk)
#   dle-podman-container (created from dle-podman-app:1.0, never run)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CONTEXT="$ROOT/test/setup/images/dle-podman-app"
fail() { echo "build-podman-test-images: ERROR: $*" >&2; exit 1; }
command -v podman >/dev/null || fail "podman is not installed (apt-get install -y podman)"
[ -x /bin/busybox ] || fail "/bin/busybox missing (apt-get install -y busybox-static)"
P() { podman "$@"; }
if [ "$#" -gt 0 ]; then
  OPTIONS=("$@")
  P() { podman "${OPTIONS[@]}" "$@"; }
fi

P rm -f dle-podman-container >/dev/null 2>&1 || true
P rmi -f dle-podman-changes:1.0 dle-podman-app:1.0 dle-podman-base:latest >/dev/null 2>&1 || true

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/rootfs/bin"
cp /bin/busybox "$WORK/rootfs/bin/busybox"
for applet in sh ls echo cat touch mkdir rm cp mv ln true; do ln -s busybox "$WORK/rootfs/bin/$applet"; done
# Owned by root, in a fixed order and time: the same base layer for root and for a rootless user.
tar -C "$WORK/rootfs" --sort=name --mtime=@946684800 --owner=0 --group=0 --numeric-owner -c . | P import - dle-podman-base:latest >/dev/null
P build --network none --pull=never -t dle-podman-app:1.0 "$CONTEXT"

mkdir -p "$WORK/changes"
cat >"$WORK/changes/Dockerfile" <<'DOCKERFILE'
FROM dle-podman-app:1.0
RUN rm /payload.txt && rm -rf /data && mkdir /data && echo "made again" > /data/again.txt
DOCKERFILE
P build --network none --pull=never -t dle-podman-changes:1.0 "$WORK/changes"

P create --name dle-podman-container dle-podman-app:1.0 >/dev/null
P images --filter reference='dle-podman-*'
P ps -a --filter name='^dle-podman-'
