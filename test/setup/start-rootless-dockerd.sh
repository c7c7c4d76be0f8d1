#!/usr/bin/env bash
# Start a REAL rootless Docker daemon for the unprivileged test user, beside the system daemon, and
# build its test images. It is docker.io's own dockerd-rootless.sh under rootlesskit (a user
# namespace mapped with newuidmap/newgidmap from /etc/subuid and /etc/subgid), with the data root
# the user's own (~/.local/share/docker) and the socket $XDG_RUNTIME_DIR/docker.sock.
# Networking is rootlesskit's --net=host (no slirp4netns) with --bridge=none --iptables=false: the
# tests need no network (builds use --network none), and the daemon can change nothing on the
# host's network from its user namespace.
#   DLE_TEST_USER   the user (default dletest; test/setup/ensure-test-user.sh creates it)
#   usage: start-rootless-dockerd.sh [--force]    --force rebuilds the test images in that daemon
# Idempotent: an answering daemon is kept. It stops nothing, and never touches the system daemon.
# The last line printed is `export DLE_ROOTLESS_DOCKER_HOST=unix:///run/user/<uid>/docker.sock`:
#   eval "$(bash test/setup/start-rootless-dockerd.sh | tail -n 1)"
# Where it cannot run, it prints one line "start-rootless-dockerd: ERROR: <why>" and exits 1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
USER_NAME="${DLE_TEST_USER:-dletest}"
LOG="$ROOT/test-results/dockerd-rootless.log"
FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac
fail() { echo "start-rootless-dockerd: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (it prepares the test user's runtime folder and sub-IDs, then starts the daemon as that user)"
command -v dockerd >/dev/null 2>&1 || fail "dockerd is not installed (apt-get install -y docker.io)"
command -v docker >/dev/null 2>&1 || fail "the docker CLI is not installed"
ROOTLESS_SH="$(command -v dockerd-rootless.sh || true)"
[ -n "$ROOTLESS_SH" ] || ROOTLESS_SH=/usr/share/docker.io/contrib/dockerd-rootless.sh
[ -f "$ROOTLESS_SH" ] || fail "dockerd-rootless.sh not found (Debian's docker.io ships it in /usr/share/docker.io/contrib/)"

# rootlesskit and newuidmap/newgidmap (Debian: rootlesskit, uidmap).
missing=()
command -v rootlesskit >/dev/null 2>&1 || missing+=(rootlesskit)
{ command -v newuidmap && command -v newgidmap; } >/dev/null 2>&1 || missing+=(uidmap)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and no apt-get to install them"
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1 ||
    fail "apt-get install ${missing[*]} failed"
fi

id "$USER_NAME" >/dev/null 2>&1 || bash "$ROOT/test/setup/ensure-test-user.sh" >/dev/null ||
  fail "could not create the test user $USER_NAME (test/setup/ensure-test-user.sh)"
USER_ID="$(id -u "$USER_NAME")"
USER_HOME="$(getent passwd "$USER_NAME" | cut -d: -f6)"
[ "$USER_ID" != 0 ] || fail "$USER_NAME is root: a rootless daemon needs an unprivileged user"

# Sub-IDs: useradd normally adds them; add a free range of 65536 when it did not.
for file in /etc/subuid /etc/subgid; do
  touch "$file"
  if ! grep -qE "^($USER_NAME|$USER_ID):[0-9]+:[0-9]+$" "$file"; then
    start="$(awk -F: 'BEGIN { end = 100000 } NF == 3 && $2 + $3 > end { end = $2 + $3 } END { print end }' "$file")"
    flag=--add-subuids; [ "$file" = /etc/subgid ] && flag=--add-subgids
    usermod "$flag" "$start-$((start + 65535))" "$USER_NAME" || fail "could not add a range to $file for $USER_NAME"
  fi
done

# The kernel must let an unprivileged user make a user namespace.
if ! userns_error="$(runuser -u "$USER_NAME" -- unshare --user --map-root-user true 2>&1)"; then
  fail "unprivileged user namespaces are not available here ($userns_error; sysctl user.max_user_namespaces=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo ?), kernel.apparmor_restrict_unprivileged_userns=$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo n/a))"
fi

# XDG_RUNTIME_DIR: /run/user/<uid>, as pam_systemd makes it; made here where nothing made it.
RUNTIME_DIR="/run/user/$USER_ID"
if [ ! -d "$RUNTIME_DIR" ]; then
  mkdir -p "$RUNTIME_DIR"
  chown "$USER_NAME:" "$RUNTIME_DIR"
  chmod 700 "$RUNTIME_DIR"
fi
[ "$(stat -c %u "$RUNTIME_DIR")" = "$USER_ID" ] || fail "$RUNTIME_DIR exists but is not owned by $USER_NAME"
SOCK="$RUNTIME_DIR/docker.sock"
D() { docker -H "unix://$SOCK" "$@"; }
mkdir -p "$ROOT/test-results"

started=$SECONDS
if D version >/dev/null 2>&1; then
  echo "rootless dockerd already answers at unix://$SOCK"
else
  echo "=== $(date -u +%FT%TZ) starting rootless dockerd as $USER_NAME" >>"$LOG"
  setsid -f runuser -u "$USER_NAME" -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="$USER_HOME" USER="$USER_NAME" LOGNAME="$USER_NAME" XDG_RUNTIME_DIR="$RUNTIME_DIR" \
    DOCKERD_ROOTLESS_ROOTLESSKIT_NET=host DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=none \
    sh "$ROOTLESS_SH" --bridge=none --iptables=false >>"$LOG" 2>&1 </dev/null
  for _ in $(seq 1 120); do D version >/dev/null 2>&1 && break; sleep 0.5; done
  if ! D version >/dev/null 2>&1; then
    reason="$(grep -E 'level=(fatal|error)|^\[rootlesskit|failed to|not supported|must be' "$LOG" | tail -n 1 | cut -c1-300)"
    fail "the rootless dockerd did not answer at unix://$SOCK within 60 s: ${reason:-see the log}. Log: $LOG"
  fi
  echo "rootless dockerd answers at unix://$SOCK after $((SECONDS - started)) s"
fi

read -r security driver data_root < <(D info --format '{{json .SecurityOptions}} {{.Driver}} {{.DockerRootDir}}')
[[ "$security" == *name=rootless* ]] || fail "the daemon at unix://$SOCK is not rootless (SecurityOptions $security)"
[ "$driver" = overlay2 ] || fail "the rootless daemon uses the $driver storage driver, not overlay2 (this kernel cannot mount overlay in a user namespace): its layers have no overlay2 folders to test"
[ "$data_root" = "$USER_HOME/.local/share/docker" ] || fail "the rootless daemon's data root is $data_root, not $USER_HOME/.local/share/docker"

# --- test images (no registry): dle-base from a busybox rootfs, dle-app built, dle-opaque loaded -------
has_image() { [ "$(D image inspect -f '{{index .Config.Labels "dockerLayers.test"}}' "$1" 2>/dev/null)" = 1 ]; }
if [ "$FORCE" = 1 ]; then
  D rmi -f dle-opaque:1.0 dle-app:latest dle-app:1.0 dle-base:latest >/dev/null 2>&1 || true
fi
if has_image dle-base:latest && has_image dle-app:1.0 && has_image dle-opaque:1.0; then
  echo "test images already built (use --force to rebuild)"
else
  built=$SECONDS
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  # The same base layer as build-test-images.sh imports for dle-base.
  bash "$ROOT/test/setup/busybox-rootfs-tar.sh" "$WORK/base.tar"
  D import --change 'LABEL dockerLayers.test=1' --change 'LABEL dockerLayers.role=base' \
    --change 'CMD ["sh"]' -m 'dle-base: busybox rootfs' "$WORK/base.tar" dle-base:latest >/dev/null

  # dle-app: the legacy builder, no network. Rootless, Docker has no native overlay diff, so a
  # folder removed and made again becomes one whiteout per old file (no opaque folder), and the
  # second, identical COPY makes an empty layer: 5 layers here, 6 on the system daemon.
  touch -d '2024-01-01T00:00:00Z' "$ROOT/test/setup/images/dle-app/payload.txt"
  DOCKER_BUILDKIT=0 D build -q --network none -t dle-app:1.0 "$ROOT/test/setup/images/dle-app" >/dev/null 2>"$WORK/build.err" ||
    fail "docker build of dle-app:1.0 in the rootless daemon failed: $(tail -n 1 "$WORK/build.err")"
  D tag dle-app:1.0 dle-app:latest

  # dle-opaque: layers as a registry would bring them (docker load of a hand-made archive), the top
  # one with an opaque folder (.wh..wh..opq) over a folder with a file and a subfolder, and a file
  # owned by 1000:1000 (a host sub-ID in the folder).
  L="$WORK/layers"
  mkdir -p "$L/2/app/old/sub" "$L/2/data" "$L/3/app/old" "$L/3/data" "$WORK/archive/1" "$WORK/archive/2" "$WORK/archive/3"
  echo old >"$L/2/app/old/old.txt"; echo deep >"$L/2/app/old/sub/deep.txt"
  echo doomed >"$L/2/data/doomed.txt"; echo keep >"$L/2/data/keep.txt"
  echo mine >"$L/2/data/owned.txt"; chown 1000:1000 "$L/2/data/owned.txt"
  : >"$L/3/app/old/.wh..wh..opq"; echo new >"$L/3/app/old/new.txt"; : >"$L/3/data/.wh.doomed.txt"
  chmod -R go-w,a+rX "$L"
  cp "$WORK/base.tar" "$WORK/archive/1/layer.tar"
  for n in 2 3; do
    tar -C "$L/$n" --sort=name --mtime=@946684800 --numeric-owner -cf "$WORK/archive/$n/layer.tar" app data
  done
  diff_id() { echo "sha256:$(sha256sum "$WORK/archive/$1/layer.tar" | cut -d' ' -f1)"; }
  arch="$(D version --format '{{.Server.Arch}}')"
  at='"created":"2024-01-01T00:00:00Z"'
  printf '%s' "{\"architecture\":\"$arch\",\"os\":\"linux\",$at,\"config\":{\"Cmd\":[\"sh\"],\"Labels\":{\"dockerLayers.test\":\"1\",\"dockerLayers.role\":\"opaque\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"$(diff_id 1)\",\"$(diff_id 2)\",\"$(diff_id 3)\"]},\"history\":[{$at,\"created_by\":\"dle-base: busybox rootfs\"},{$at,\"created_by\":\"add /app/old and /data\"},{$at,\"created_by\":\"LABEL dockerLayers.role=opaque\",\"empty_layer\":true},{$at,\"created_by\":\"make /app/old again (opaque), remove /data/doomed.txt\"}]}" >"$WORK/config.json"
  config="$(sha256sum "$WORK/config.json" | cut -d' ' -f1).json"
  mv "$WORK/config.json" "$WORK/archive/$config"
  printf '%s' "[{\"Config\":\"$config\",\"RepoTags\":[\"dle-opaque:1.0\"],\"Layers\":[\"1/layer.tar\",\"2/layer.tar\",\"3/layer.tar\"]}]" >"$WORK/archive/manifest.json"
  tar -C "$WORK/archive" -c . | D load -q >/dev/null || fail "docker load of dle-opaque:1.0 into the rootless daemon failed"
  for image in dle-base:latest dle-app:1.0 dle-opaque:1.0; do has_image "$image" || fail "$image is missing after the build"; done
  echo "test images built in $((SECONDS - built)) s"
fi
D images --format '{{.Repository}}:{{.Tag}}  {{.ID}}  {{.Size}}' | grep -E '^dle-' | sed 's/^/  /' || true
echo "rootless dockerd ready: data root $data_root, socket unix://$SOCK (XDG_RUNTIME_DIR=$RUNTIME_DIR)"
echo "export DLE_ROOTLESS_DOCKER_HOST=unix://$SOCK"
