#!/usr/bin/env bash
# `npm test`: every test, in order of cost. Unit tests need nothing; integration and extension-host
# tests need a real dockerd, which this script starts (as root) after installing what is missing.
# Where no daemon can be started the Docker parts are skipped LOUDLY, and with
# DOCKER_LAYERS_REQUIRE_DOCKER=1 (set by CI) that is a failure instead.
set -euo pipefail
cd "$(dirname "$0")/.."

timings=()
step() {
  local name=$1
  shift
  local started=$SECONDS
  echo
  echo "━━━ ${name} ━━━"
  # Explicit: inside `step … || x`, set -e does not stop at a failing command.
  "$@" || return $?
  timings+=("$(printf '%-34s %4ss' "$name" $((SECONDS - started)))")
}
summary() {
  echo
  echo "━━━ timings ━━━"
  printf '%s\n' "${timings[@]}"
}
trap summary EXIT

step "build (esbuild)" node esbuild.js
step "type check + compile tests (tsc)" npx tsc -p .
step "type check the webviews (tsc, no Node types)" npx tsc -p src/webview
step "lint (eslint)" npx eslint . --max-warnings 0
step "unit tests (mocha)" npx mocha --config test/unit/.mocharc.json

docker_ready=1
step "system packages" bash test/setup/install-system-packages.sh || docker_ready=0
if [ "$docker_ready" = 1 ]; then
  step "start dockerd" bash test/setup/start-dockerd.sh || docker_ready=0
fi
if [ "$docker_ready" = 0 ]; then
  cat >&2 <<'MSG'

!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  SKIPPED: integration, extension-host and UI tests — no Docker daemon could be started.
!!  Only the unit tests ran. Run as root on Debian/Ubuntu (or start dockerd yourself) to run them.
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
MSG
  if [ "${DOCKER_LAYERS_REQUIRE_DOCKER:-0}" = 1 ]; then
    exit 1
  fi
  exit 0
fi

step "test images (docker build)" bash test/setup/build-test-images.sh
# A second daemon, Docker 26 with the containerd image store (Debian 13 packages, unpacked under
# /opt/dle-docker26): the layers have no folders there, so their files come from the Engine archive.
if [ "$(id -u)" -eq 0 ]; then
  if step "dockerd 26, containerd image store" bash test/setup/start-containerd-daemon.sh; then
    export DLE_CONTAINERD_DOCKER_HOST="unix://${DLE_D26_DIR:-/opt/dle-docker26}/run/docker.sock"
  else
    echo "!! the containerd-store daemon did not start: its integration tests skip (and fail under DOCKER_LAYERS_REQUIRE_DOCKER=1)" >&2
  fi
fi
if [ "$(id -u)" -eq 0 ]; then
  step "unprivileged test user" bash test/setup/ensure-test-user.sh
fi
# Podman 4.3's Docker-compatible service, its own storage under /tmp/dle-podman (rootful, and rootless
# as dletest where it can run): layer folders from containers-storage's metadata.
if [ "$(id -u)" -eq 0 ]; then
  if step "Podman service + test images" bash test/setup/start-podman-service.sh; then
    export DLE_PODMAN_HOST="unix://${DLE_PODMAN_DIR:-/tmp/dle-podman}/run/podman.sock"
    [ -f "${DLE_PODMAN_DIR:-/tmp/dle-podman}/rootless/unavailable" ] ||
      export DLE_PODMAN_ROOTLESS_HOST="unix://${DLE_PODMAN_DIR:-/tmp/dle-podman}/rootless/xdg/podman/podman.sock"
  else
    echo "!! the Podman service did not start: its integration tests skip (and fail under DOCKER_LAYERS_REQUIRE_DOCKER=1)" >&2
  fi
fi
# The tests' own sshd on 127.0.0.1 (own config, host key and port in /tmp/dle-sshd): the test user
# reaches this dockerd as an ssh:// engine. Installs openssh-server if missing.
if [ "$(id -u)" -eq 0 ]; then
  if step "test sshd (ssh:// engine)" bash test/setup/start-test-sshd.sh; then
    export DLE_TEST_SSH_PORT="$(cat "${DLE_SSHD_DIR:-/tmp/dle-sshd}/port")"
  else
    echo "!! the test sshd did not start: the ssh:// tests skip (and fail under DOCKER_LAYERS_REQUIRE_DOCKER=1)" >&2
  fi
fi
# A real rootless dockerd of the test user (rootlesskit + dockerd-rootless.sh, data root in its home).
if [ "$(id -u)" -eq 0 ]; then
  if step "rootless dockerd (test user)" bash test/setup/start-rootless-dockerd.sh; then
    export DLE_ROOTLESS_DOCKER_HOST="unix:///run/user/$(id -u "${DLE_TEST_USER:-dletest}")/docker.sock"
  else
    echo "!! the rootless daemon did not start: its integration tests skip (and fail under DOCKER_LAYERS_REQUIRE_DOCKER=1)" >&2
  fi
fi
step "integration tests (real dockerd)" npx mocha --config test/integration/.mocharc.json
# The benchmark on 20 images, once: it must keep working (the real run is npm run bench).
if [ "$(id -u)" -eq 0 ]; then
  step "benchmark smoke run (bench --smoke)" node out/test/bench/bench.js --smoke
fi
step "VS Code server (install/cache)" bash scripts/vscode-server/install.sh
step "extension-host tests (VS Code)" node test/extension/run-in-server.mjs

# A run that must fail: one deliberately failing test has to turn into exit status 1.
harness_fails_on_failure() {
  local output status=0
  output=$(node test/extension/run-in-server.mjs --grep 'harness canary' --env DLE_HARNESS_CANARY=fail 2>&1) || status=$?
  echo "$output" | grep -E 'passing|failing|exit code' || true
  if [ "$status" -ne 1 ] || ! grep -q '1 failing' <<<"$output"; then
    echo "the extension-host harness did not report the canary's failure (exit $status)" >&2
    return 1
  fi
  echo "ok: a failing extension test fails the run"
}
step "harness reports a failing test" harness_fails_on_failure

# Reveal in Explorer in the window a user opens on a folder (the suite's window is a saved
# workspace): it must ask before VS Code turns the window into a workspace. Root can read the folder.
reveal_asks_in_single_folder_window() {
  local output status=0
  output=$(node test/extension/run-in-server.mjs --single-folder --grep 'in a single-folder window' 2>&1) || status=$?
  echo "$output" | grep -E '✔|passing|pending|failing' || true
  if [ "$status" -ne 0 ] || ! grep -q ' 1 passing' <<<"$output" || grep -q 'pending' <<<"$output"; then
    echo "the single-folder Reveal test did not pass (exit $status)" >&2
    return 1
  fi
}
if [ "$(id -u)" -eq 0 ]; then
  step "extension host, single-folder window" reveal_asks_in_single_folder_window
fi

# The same suite with the extension host running as an unprivileged docker-group user: the usual
# case, where the data root is unreadable and folders come from the Engine API only.
extension_tests_as_user() {
  local user=dletest here=$PWD
  if ! runuser -u "$user" -- test -r "$here/dist/extension.js" -a -r "$here/.cache/code-server/package.json"; then
    # The checkout is not reachable by that user (e.g. under /root): run from a hard-linked copy.
    here=$(mktemp -d /tmp/dle-as-user-XXXXXX)
    chmod 755 "$here"
    cp -al package.json package.nls.json dist media out node_modules .cache test scripts "$here"/
  fi
  (cd "$here" && node test/extension/run-in-server.mjs --user "$user")
  local status=$?
  [ "$here" = "$PWD" ] || rm -rf "$here"
  return $status
}
if [ "$(id -u)" -eq 0 ]; then
  step "extension-host tests (non-root user)" extension_tests_as_user
fi
if [ -f test/ui/walkthrough.mjs ]; then
  step "UI walk-through (Playwright)" node test/ui/walkthrough.mjs
fi
