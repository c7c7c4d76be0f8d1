#!/usr/bin/env bash
# Start a SECOND Docker daemon (Docker 26.1.5 from Debian 13 "trixie", unpacked, not installed) with
# the containerd image store, beside the Debian 12 daemon, and build a small test image in it.
# Used to record test/fixtures/daemon-26-containerd/ (image inspect without GraphDriver paths).
#   DLE_D26_DIR   where the unpacked packages and the daemon state live (default /opt/dle-docker26)
# Prints the socket; talk to it with: docker -H unix://$DLE_D26_DIR/run/docker.sock ...
#   usage: start-containerd-daemon.sh [--force] [--record]
#     --force   rebuild the test images in that daemon
#     --record  (re)write test/fixtures/daemon-26-containerd/ (record-fixtures.mjs --minimal + snapshot list)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE="${DLE_D26_DIR:-/opt/dle-docker26}"
PKG="$BASE/pkg"                      # dpkg -x target
APT="$BASE/apt"                      # private apt lists/cache, so the system's apt state is untouched
STATE="$BASE/state"                  # --data-root
RUN="$BASE/run"                      # --exec-root, pidfile, socket
SOCK="$RUN/docker.sock"
LOG="$ROOT/test-results/dockerd-26.log"
fail() { echo "start-containerd-daemon: ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root"
mkdir -p "$ROOT/test-results" "$RUN"

# Put the unpacked Docker 26 / containerd 1.7 first on PATH (dockerd finds containerd, the shims,
# docker-init, docker-proxy on PATH). Trixie's runc needs glibc 2.38, so the system's runc is used;
# trixie's docker.io has no CLI (that is docker-cli), so the system's `docker` CLI is used.
export PATH="$PKG/usr/bin:$PKG/usr/sbin:$PKG/usr/libexec/docker/cli-plugins:$PATH"
D() { docker -H "unix://$SOCK" "$@"; }

if ! [ -x "$PKG/usr/sbin/dockerd" ] || ! [ -x "$PKG/usr/bin/containerd" ]; then
  # Fetch with a separate source list for trixie; pass the same options to update and download.
  mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$PKG"
  echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' >"$APT/sources.list"
  APTOPT=(-o Dir::Etc::SourceList="$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$APT/lists" -o Dir::Cache::Archives="$APT/archives" -o APT::Get::List-Cleanup=0)
  chown _apt "$APT/archives/partial" 2>/dev/null || true   # lets apt download without its root warning
  apt-get "${APTOPT[@]}" update -qq
  (cd "$APT/archives" && apt-get "${APTOPT[@]}" download docker.io containerd tini)
  for deb in "$APT"/archives/*.deb; do dpkg -x "$deb" "$PKG"; done
fi
rm -f "$PKG/usr/bin/runc" "$PKG/usr/sbin/runc" "$APT"/archives/runc_*.deb   # see above: use /usr/sbin/runc
[ -x "$PKG/usr/sbin/dockerd" ] || fail "no dockerd in $PKG"

if ! D version >/dev/null 2>&1; then
  # containerd-snapshotter: the containerd image store (as Docker 29 installs default to).
  echo '{"features": {"containerd-snapshotter": true}}' >"$BASE/daemon.json"
  echo "=== $(date -u +%FT%TZ) starting dockerd 26" >>"$LOG"
  setsid "$PKG/usr/sbin/dockerd" --config-file "$BASE/daemon.json" --data-root "$STATE" --exec-root "$RUN/exec" \
    --pidfile "$RUN/docker.pid" -H "unix://$SOCK" --bridge=none --iptables=false >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 120); do D version >/dev/null 2>&1 && break; sleep 0.5; done
  D version >/dev/null 2>&1 || fail "dockerd 26 did not answer at $SOCK; last log lines:
$(tail -n 20 "$LOG")"
fi
D info --format '{{.ServerVersion}} {{json .DriverStatus}}'

# Test images: the same busybox base + dle-app Dockerfile as the main daemon (legacy builder).
FORCE=0; RECORD=0
for a in "$@"; do
  case "$a" in --force) FORCE=1 ;; --record) RECORD=1 ;; *) fail "unknown argument $a" ;; esac
done
if [ "$FORCE" = 1 ] || ! D image inspect dle-app:1.0 >/dev/null 2>&1; then
  WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
  mkdir -p "$WORK/rf/bin" "$WORK/rf/etc" "$WORK/rf/tmp" "$WORK/rf/root"
  chmod 1777 "$WORK/rf/tmp"
  cp /bin/busybox "$WORK/rf/bin/busybox"
  for a in sh ls echo cat mkdir touch rm cp mv ln chmod stat find head tail wc sleep true false \
           env id printf test sed grep du ps tar sha256sum; do ln -s busybox "$WORK/rf/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$WORK/rf/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$WORK/rf/etc/group"
  tar -C "$WORK/rf" --sort=name --mtime=@946684800 --owner=0 --group=0 --numeric-owner -c . |
    D import --change 'LABEL dockerLayers.test=1' --change 'LABEL dockerLayers.role=base' \
      --change 'CMD ["sh"]' -m 'dle-base: busybox rootfs' - dle-base:latest >/dev/null
  touch -d '2024-01-01T00:00:00Z' "$ROOT/test/setup/images/dle-app/payload.txt"
  DOCKER_BUILDKIT=0 D build -q --network none -t dle-app:1.0 "$ROOT/test/setup/images/dle-app" >/dev/null
  D tag dle-app:1.0 dle-app:latest
fi
D images
if [ "$RECORD" = 1 ]; then
  OUT="$ROOT/test/fixtures/daemon-26-containerd"
  node "$ROOT/test/setup/record-fixtures.mjs" --minimal --socket "$SOCK" --out "$OUT"
  # Snapshot keys are chain IDs; a layer's parent can be a build container's -init snapshot.
  ctr -a "$RUN/exec/containerd/containerd.sock" -n moby snapshots --snapshotter overlayfs ls >"$OUT/snapshots.txt"
fi
echo "dockerd 26 (containerd image store) ready at unix://$SOCK"
