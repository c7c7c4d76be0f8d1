#!/usr/bin/env bash
# Start a real Docker daemon for the integration tests (offline, as root).
# Exit 0 when /var/run/docker.sock answers; non-zero with a clear message otherwise,
# so the test runner can skip the integration tests LOUDLY.
#   DLE_DOCKERD_FLAGS   extra dockerd flags (overrides the automatic fallback)
#   DLE_DOCKERD_TIMEOUT seconds to wait for the socket (default 60)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOG_DIR="$ROOT/test-results"
LOG="$LOG_DIR/dockerd.log"
SOCK=/var/run/docker.sock
PIDFILE=/var/run/docker.pid
TIMEOUT="${DLE_DOCKERD_TIMEOUT:-60}"

# Talk to the default socket even if the caller has DOCKER_HOST/DOCKER_CONTEXT set.
unset DOCKER_HOST DOCKER_CONTEXT
answers() { docker -H "unix://$SOCK" version >/dev/null 2>&1; }
fail() { echo "start-dockerd: ERROR: $*" >&2; exit 1; }

# Fast path: already running.
if answers; then
  echo "dockerd already answers at unix://$SOCK"
  exit 0
fi

command -v docker >/dev/null 2>&1 || fail "no 'docker' CLI on PATH (apt-get install -y docker.io)"
command -v dockerd >/dev/null 2>&1 || fail "no 'dockerd' on PATH (apt-get install -y docker.io busybox-static)"
[ "$(id -u)" = 0 ] || fail "not root: cannot start dockerd (uid $(id -u)); start it yourself or run as root"

# The socket is created group 'docker' only if the group exists when dockerd starts;
# the unprivileged test user (ensure-test-user.sh) relies on that.
getent group docker >/dev/null || groupadd --system docker

mkdir -p "$LOG_DIR"

# Wait until the socket answers or the daemon process ($1) dies. Returns 0 on success.
wait_for() {
  local pid="$1" i
  for ((i = 0; i < TIMEOUT * 2; i++)); do
    answers && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

# A daemon may already be starting (pidfile with a live process): wait for it instead of
# starting a second one that would fight over the pidfile.
if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "dockerd (pid $(cat "$PIDFILE")) is running but not answering yet; waiting up to ${TIMEOUT}s"
  wait_for "$(cat "$PIDFILE")" && { echo "dockerd ready at unix://$SOCK"; exit 0; }
  fail "dockerd pid $(cat "$PIDFILE") did not answer within ${TIMEOUT}s (see $LOG)"
fi

start() {
  # setsid: detach from this shell's session so the daemon outlives the script/test runner.
  echo "starting: dockerd $*  (log: $LOG)"
  {
    echo "=== $(date -u +%FT%TZ) dockerd $*"
  } >>"$LOG"
  setsid dockerd "$@" >>"$LOG" 2>&1 </dev/null &
  DPID=$!
}

if [ -n "${DLE_DOCKERD_FLAGS:-}" ]; then
  # shellcheck disable=SC2086
  start $DLE_DOCKERD_FLAGS
  wait_for "$DPID" || fail "dockerd $DLE_DOCKERD_FLAGS did not start within ${TIMEOUT}s; last log lines:
$(tail -n 20 "$LOG")"
else
  # Plain dockerd works on the dev/CI machines (checked: default bridge + iptables OK).
  # Sandboxes without iptables/bridge support make it die at once: retry without networking.
  start
  if ! wait_for "$DPID"; then
    kill "$DPID" 2>/dev/null || true
    sleep 1
    echo "plain dockerd failed; retrying with --bridge=none --iptables=false" >&2
    start --bridge=none --iptables=false
    wait_for "$DPID" || fail "dockerd did not start within ${TIMEOUT}s (also tried --bridge=none --iptables=false); last log lines:
$(tail -n 20 "$LOG")"
  fi
fi

echo "dockerd ready at unix://$SOCK (pid $DPID, $(docker -H "unix://$SOCK" version --format '{{.Server.Version}} API {{.Server.APIVersion}}' 2>/dev/null))"
