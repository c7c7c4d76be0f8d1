#!/usr/bin/env bash
# Create the unprivileged user 'dletest' in group 'docker' (idempotent), so integration tests can
# run the CLI as a non-root user:  runuser -u dletest -- node bin/... 
# Then check the two facts those tests rely on: the user reaches the Engine socket, but cannot
# read /var/lib/docker (so the product must fall back to the API / docker save).
#   DLE_TEST_USER   user name (default dletest)
set -euo pipefail

USER_NAME="${DLE_TEST_USER:-dletest}"
SOCK=/var/run/docker.sock
fail() { echo "ensure-test-user: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root"
getent group docker >/dev/null || groupadd --system docker
if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --groups docker "$USER_NAME"
  echo "created user $USER_NAME (groups: $(id -nG "$USER_NAME"))"
elif ! id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx docker; then
  usermod -aG docker "$USER_NAME"
  echo "added $USER_NAME to group docker"
fi

as_user() { runuser -u "$USER_NAME" -- env -u DOCKER_HOST -u DOCKER_CONTEXT HOME="$(getent passwd "$USER_NAME" | cut -d: -f6)" "$@"; }

if [ -S "$SOCK" ]; then
  [ "$(stat -c %G "$SOCK")" = docker ] ||
    fail "$SOCK is group $(stat -c %G "$SOCK"), not docker: restart dockerd after the group exists"
  as_user docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
    fail "$USER_NAME cannot talk to $SOCK"
  echo "ok: $USER_NAME can use $SOCK"
else
  echo "note: $SOCK does not exist (dockerd not running); socket access not checked"
fi

if [ -d /var/lib/docker ]; then
  if as_user ls /var/lib/docker >/dev/null 2>&1 || as_user ls /var/lib/docker/image >/dev/null 2>&1; then
    fail "$USER_NAME can read /var/lib/docker; the non-root tests would not prove anything"
  fi
  echo "ok: $USER_NAME cannot read /var/lib/docker"
fi
echo "test user: $(id "$USER_NAME")"
