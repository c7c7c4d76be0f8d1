#!/usr/bin/env bash
# Start Podman 4.3 (Debian 12: apt-get install -y podman) serving the Docker-compatible API on a
# socket in a folder this script owns, beside dockerd, and build the Podman test images into it
# (build-podman-test-images.sh: offline, from a busybox rootfs import, --network none --pull=never).
# Idempotent: a service that answers GET /_ping is left running; images are built when missing.
#   DLE_PODMAN_DIR   the folder (default /tmp/dle-podman):
#                      root/     Podman's storage (--root), 0700: only root reads it
#                      runroot/  --runroot;  tmp/ --tmpdir
#                      run/podman.sock  the socket, group docker (like /var/run/docker.sock), so the
#                                       docker-group test user reaches it but not the storage
#                      service.log, service.pid
#                      rootless/  the same, for rootless Podman run by the test user (DLE_TEST_USER,
#                                 default dletest; ensure-test-user.sh makes it): storage/, runroot/,
#                                 tmp/, and its own XDG_RUNTIME_DIR xdg/, so the socket is
#                                 xdg/podman/podman.sock as Podman places it. Tried, never required:
#                                 where it cannot run (no user, no subuid range, no newuidmap …) the
#                                 reason is printed and written to rootless/unavailable.
# Never touches Docker's daemons or data roots. Prints `export DLE_PODMAN_HOST=unix://…` (and
# `export DLE_PODMAN_ROOTLESS_HOST=unix://…` when rootless Podman runs) last.
#   usage: start-podman-service.sh [--force]     (as root; --force rebuilds the test images)
#          start-podman-service.sh --stop        stop the services this script started
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE="${DLE_PODMAN_DIR:-/tmp/dle-podman}"
STORAGE="$BASE/root"
RUNROOT="$BASE/runroot"
TMP="$BASE/tmp"
SOCK_DIR="$BASE/run"
SOCK="$SOCK_DIR/podman.sock"
LOG="$BASE/service.log"
fail() { echo "start-podman-service: ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root"
command -v podman >/dev/null || fail "podman is not installed (apt-get install -y podman)"
command -v curl >/dev/null || fail "curl is not installed (apt-get install -y curl)"
FORCE=0; STOP=0
for a in "$@"; do
  case "$a" in --force) FORCE=1 ;; --stop) STOP=1 ;; *) fail "unknown argument $a" ;; esac
done
TEST_USER="${DLE_TEST_USER:-dletest}"
RL="$BASE/rootless"
RL_SOCK="$RL/xdg/podman/podman.sock"

if [ "$STOP" = 1 ]; then
  for pidfile in "$BASE/service.pid" "$RL/service.pid"; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    # Only a podman process this script started (the pid file), never one found by name.
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = podman ]; then kill "$pid" && echo "stopped podman service $pid"; fi
    rm -f "$pidfile"
  done
  # Rootless Podman leaves a pause process holding its user namespace: its own pid file names it.
  pause="$RL/tmp/pause.pid"
  if [ -f "$pause" ] && pid="$(cat "$pause")" && [ -n "$pid" ] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == podman* ]]; then
    kill "$pid" && echo "stopped rootless podman's pause process $pid"
  fi
  # Rootful Podman bind-mounts its overlay folder onto itself and leaves it: unmounted, the folder can be removed.
  if mountpoint -q "$STORAGE/overlay"; then umount "$STORAGE/overlay" && echo "unmounted $STORAGE/overlay"; fi
  exit 0
fi

# The same global options for the service and for the build, so both see one storage.
PODMAN_OPTIONS=(--root "$STORAGE" --runroot "$RUNROOT" --tmpdir "$TMP" --storage-driver overlay --events-backend file)
ping() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://podman/_ping >/dev/null 2>&1; }

mkdir -p "$BASE" "$STORAGE" "$RUNROOT" "$TMP" "$SOCK_DIR"
chmod 755 "$BASE"
chmod 700 "$STORAGE" "$RUNROOT" "$TMP"
started=$SECONDS
if ! ping; then
  rm -f "$SOCK"
  echo "=== $(date -u +%FT%TZ) starting podman system service" >>"$LOG"
  setsid podman "${PODMAN_OPTIONS[@]}" system service --time=0 "unix://$SOCK" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$BASE/service.pid"
  for _ in $(seq 1 100); do ping && break; kill -0 "$(cat "$BASE/service.pid")" 2>/dev/null || break; sleep 0.2; done
  ping || fail "podman did not answer at $SOCK; last log lines:
$(tail -n 20 "$LOG")"
fi
# The docker group reaches the socket (as it reaches dockerd's); the storage stays root's.
if getent group docker >/dev/null; then
  chgrp docker "$SOCK_DIR" "$SOCK"
  chmod 750 "$SOCK_DIR"
  chmod 660 "$SOCK"
fi
echo "podman service answers at unix://$SOCK ($((SECONDS - started)) s)"

if [ "$FORCE" = 1 ] || ! podman "${PODMAN_OPTIONS[@]}" image exists dle-podman-app:1.0; then
  built=$SECONDS
  bash "$ROOT/test/setup/build-podman-test-images.sh" "${PODMAN_OPTIONS[@]}"
  echo "test images built in $((SECONDS - built)) s"
fi

# Rootless Podman as the test user, with its own storage and XDG_RUNTIME_DIR under $RL.
rootless_unavailable() {
  echo "$1" >"$RL/unavailable"
  echo "start-podman-service: rootless Podman not started: $1" >&2
}
start_rootless() {
  mkdir -p "$RL"
  rm -f "$RL/unavailable"
  id "$TEST_USER" >/dev/null 2>&1 || { rootless_unavailable "no user $TEST_USER (bash test/setup/ensure-test-user.sh makes it)"; return 1; }
  command -v newuidmap >/dev/null || { rootless_unavailable "newuidmap is missing (apt-get install -y uidmap)"; return 1; }
  grep -q "^$TEST_USER:" /etc/subuid 2>/dev/null || { rootless_unavailable "$TEST_USER has no subordinate UID range in /etc/subuid"; return 1; }
  grep -q "^$TEST_USER:" /etc/subgid 2>/dev/null || { rootless_unavailable "$TEST_USER has no subordinate GID range in /etc/subgid"; return 1; }
  local home; home="$(getent passwd "$TEST_USER" | cut -d: -f6)"
  chown "$TEST_USER:" "$RL"
  chmod 700 "$RL"
  as_user() { runuser -u "$TEST_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$home" USER="$TEST_USER" XDG_RUNTIME_DIR="$RL/xdg" "$@"; }
  as_user mkdir -p -m 700 "$RL/xdg" "$RL/xdg/podman" "$RL/storage" "$RL/runroot" "$RL/tmp"
  RL_OPTIONS=(--root "$RL/storage" --runroot "$RL/runroot" --tmpdir "$RL/tmp" --storage-driver overlay --events-backend file --cgroup-manager cgroupfs)
  rl_ping() { curl -fsS --max-time 2 --unix-socket "$RL_SOCK" http://podman/_ping >/dev/null 2>&1; }
  if ! rl_ping; then
    echo "=== $(date -u +%FT%TZ) starting rootless podman system service as $TEST_USER" >>"$RL/service.log"
    chown "$TEST_USER:" "$RL/service.log"
    # runuser stays the parent: podman writes its own pid (sh execs it).
    as_user setsid sh -c 'echo $$ >"$0"; exec podman "$@"' "$RL/service.pid" "${RL_OPTIONS[@]}" system service --time=0 "unix://$RL_SOCK" >>"$RL/service.log" 2>&1 </dev/null &
    local starter=$!
    for _ in $(seq 1 100); do rl_ping && break; kill -0 "$starter" 2>/dev/null || break; sleep 0.2; done
    rl_ping || { rootless_unavailable "rootless podman did not answer at $RL_SOCK: $(tail -n 3 "$RL/service.log" | tr '\n' ' ')"; return 1; }
  fi
  if [ "$FORCE" = 1 ] || ! as_user podman "${RL_OPTIONS[@]}" image exists dle-podman-app:1.0; then
    as_user bash "$ROOT/test/setup/build-podman-test-images.sh" "${RL_OPTIONS[@]}" >>"$RL/service.log" 2>&1 ||
      { rootless_unavailable "the test images did not build as $TEST_USER: $(tail -n 3 "$RL/service.log" | tr '\n' ' ')"; return 1; }
  fi
  echo "rootless podman service ($TEST_USER) answers at unix://$RL_SOCK"
}
rootless_started=$SECONDS
rootless=0
start_rootless && rootless=1
echo "rootless: $((SECONDS - rootless_started)) s"

echo "export DLE_PODMAN_HOST=unix://$SOCK"
[ "$rootless" = 0 ] || echo "export DLE_PODMAN_ROOTLESS_HOST=unix://$RL_SOCK"
