#!/usr/bin/env bash
# Start an OpenSSH server of the tests' own on 127.0.0.1, so the integration tests can reach the
# local dockerd as a remote engine over ssh:// (dockerode's ssh transport logs in and runs
# `docker system dial-stdio` there, as the docker CLI does). Nothing of the system's sshd is used:
# its own config, host key, port, pid file and log, all in one folder; never /etc/ssh/sshd_config,
# never port 22. Only the test user may log in, with a key, from 127.0.0.1.
#   DLE_SSHD_DIR      the folder (default /tmp/dle-sshd):
#                       sshd_config, host_ed25519_key(.pub), sshd.pid, sshd.log, port
#                       authorized_keys/<user>   the test user's public key (what sshd accepts)
#                       client/id_ed25519(.pub)  the test user's key pair, client/ 0700 owned by the user
#                       known_hosts              [127.0.0.1]:<port> and the host key, for ssh clients
#   DLE_TEST_SSH_PORT the port (default: a free one, kept in <dir>/port across runs)
#   DLE_TEST_USER     the user (default dletest; test/setup/ensure-test-user.sh makes it, docker group)
# Installs Debian's openssh-server when sshd is missing (services are kept from starting while it
# installs). Idempotent: a running sshd of this folder that lets the user in is kept. Checks the
# whole way with the ssh client, strict host key checking against known_hosts: the user logs in
# with the key and `docker version` answers. Prints `export DLE_TEST_SSH_PORT=<port>` last:
#   eval "$(bash test/setup/start-test-sshd.sh | tail -n 1)"
#   usage: start-test-sshd.sh [--stop]     --stop ends the sshd this script started (its pid file)
# Where it cannot run, it prints one line "start-test-sshd: ERROR: <why>" and exits 1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${DLE_SSHD_DIR:-/tmp/dle-sshd}"
USER_NAME="${DLE_TEST_USER:-dletest}"
fail() { echo "start-test-sshd: ERROR: $*" >&2; exit 1; }

# Only the sshd whose pid is in this folder's pid file, and only if it is an sshd.
running_pid() {
  local pid
  pid="$(cat "$DIR/sshd.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ] && echo "$pid"
}

case "${1:-}" in
  --stop)
    if pid="$(running_pid)"; then kill "$pid" && echo "stopped the test sshd $pid"; fi
    rm -f "$DIR/sshd.pid"
    exit 0
    ;;
  "") ;;
  *) echo "usage: $0 [--stop]" >&2; exit 2 ;;
esac

[ "$(id -u)" = 0 ] || fail "must run as root (it installs openssh-server if missing and starts sshd, which must be root to switch to the test user)"
command -v docker >/dev/null 2>&1 || fail "the docker CLI is not installed: the test user's ssh login runs 'docker system dial-stdio'"

started=$SECONDS
if [ ! -x /usr/sbin/sshd ]; then
  command -v apt-get >/dev/null 2>&1 || fail "sshd is not installed and there is no apt-get (install openssh-server)"
  echo "installing openssh-server"
  # Its maintainer scripts would start the system sshd on port 22: a policy-rc.d says no while it installs.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    guard=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$guard"
    chmod 755 "$guard"
    trap 'rm -f "$guard"' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends openssh-server; } >/dev/null 2>&1 ||
    fail "apt-get install openssh-server failed"
  if [ -n "$guard" ]; then rm -f "$guard"; trap - EXIT; fi
  [ -x /usr/sbin/sshd ] || fail "openssh-server is installed but /usr/sbin/sshd is missing"
  echo "openssh-server installed in $((SECONDS - started)) s"
fi

id "$USER_NAME" >/dev/null 2>&1 || bash "$ROOT/test/setup/ensure-test-user.sh" >/dev/null ||
  fail "could not create the test user $USER_NAME (test/setup/ensure-test-user.sh)"
id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx docker || fail "$USER_NAME is not in the docker group (test/setup/ensure-test-user.sh)"
USER_HOME="$(getent passwd "$USER_NAME" | cut -d: -f6)"
USER_SHELL="$(getent passwd "$USER_NAME" | cut -d: -f7)"
case "$USER_SHELL" in */nologin | */false | "") fail "$USER_NAME has no login shell ($USER_SHELL): sshd could not run docker system dial-stdio for it" ;; esac

mkdir -p "$DIR" "$DIR/authorized_keys" "$DIR/client"
chmod 755 "$DIR" "$DIR/authorized_keys"
chown "$USER_NAME:" "$DIR/client"
chmod 700 "$DIR/client"

[ -f "$DIR/host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C dle-test-sshd -f "$DIR/host_ed25519_key"
if [ ! -f "$DIR/client/id_ed25519" ]; then
  runuser -u "$USER_NAME" -- ssh-keygen -q -t ed25519 -N '' -C "$USER_NAME@dle-test" -f "$DIR/client/id_ed25519"
fi
install -m 644 -o root -g root "$DIR/client/id_ed25519.pub" "$DIR/authorized_keys/$USER_NAME"

pid="$(running_pid || true)"
if [ -n "$pid" ] && [ -f "$DIR/port" ]; then
  PORT="$(cat "$DIR/port")"
  [ -z "${DLE_TEST_SSH_PORT:-}" ] || [ "$DLE_TEST_SSH_PORT" = "$PORT" ] ||
    fail "the test sshd $pid already listens on port $PORT, not DLE_TEST_SSH_PORT=$DLE_TEST_SSH_PORT (stop it: $0 --stop)"
else
  PORT="${DLE_TEST_SSH_PORT:-}"
  if [ -z "$PORT" ]; then
    # A port the kernel says is free now (sshd says so below if another takes it first).
    PORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
  fi
  [[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" != 22 ] || fail "bad port '$PORT' (DLE_TEST_SSH_PORT): a number, not 22"
  # StrictModes is off because the folder is under /tmp (world-writable), which sshd refuses for
  # authorized_keys; the files themselves are root's, 0644, in a 0755 folder of root's.
  # UsePAM: the test user has no password (locked account), which sshd refuses without PAM.
  # MaxStartups, MaxSessions: sshd's defaults, as on a real host (the product logs in once per
  # request, a few at once, and must stay under them).
  cat >"$DIR/sshd_config" <<EOF
# The integration tests' sshd (test/setup/start-test-sshd.sh); not the system's.
Port $PORT
ListenAddress 127.0.0.1
HostKey $DIR/host_ed25519_key
PidFile $DIR/sshd.pid
AuthorizedKeysFile $DIR/authorized_keys/%u
AllowUsers $USER_NAME@127.0.0.1
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
StrictModes no
UsePAM yes
AllowTcpForwarding no
AllowAgentForwarding no
AllowStreamLocalForwarding no
X11Forwarding no
PermitTunnel no
PrintMotd no
LogLevel VERBOSE
EOF
  echo "$PORT" >"$DIR/port"
  # The privilege-separation folder Debian's systemd unit makes (RuntimeDirectory=sshd).
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  config_error="$(/usr/sbin/sshd -t -f "$DIR/sshd_config" 2>&1)" || fail "sshd rejects $DIR/sshd_config: $config_error"
  /usr/sbin/sshd -f "$DIR/sshd_config" -E "$DIR/sshd.log" || fail "sshd did not start: $(tail -n 1 "$DIR/sshd.log" 2>/dev/null)"
  for _ in $(seq 1 50); do running_pid >/dev/null && break; sleep 0.1; done
  pid="$(running_pid)" || fail "sshd did not stay up on 127.0.0.1:$PORT: $(tail -n 1 "$DIR/sshd.log" 2>/dev/null)"
  echo "test sshd $pid listens on 127.0.0.1:$PORT ($DIR/sshd_config)"
fi

printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$DIR/host_ed25519_key.pub")" >"$DIR/known_hosts"
chmod 644 "$DIR/known_hosts"

# The whole way, as the tests go: the user logs in with the key and reaches dockerd.
if ! version="$(runuser -u "$USER_NAME" -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$USER_HOME" \
  ssh -F none -i "$DIR/client/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
  -o UserKnownHostsFile="$DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -p "$PORT" \
  "$USER_NAME@127.0.0.1" "docker version --format '{{.Server.Version}}'" 2>&1)"; then
  fail "$USER_NAME cannot reach dockerd over ssh://$USER_NAME@127.0.0.1:$PORT: $(echo "$version" | tail -n 1); sshd log: $(tail -n 1 "$DIR/sshd.log")"
fi
echo "ok: ssh://$USER_NAME@127.0.0.1:$PORT runs docker there (Docker $version), in $((SECONDS - started)) s"
echo "export DLE_TEST_SSH_PORT=$PORT"
