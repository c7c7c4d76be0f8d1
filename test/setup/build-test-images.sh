#!/usr/bin/env bash
# Build the offline test images and containers for the integration tests (no registry needed).
#   usage: build-test-images.sh [--force]    --force removes and rebuilds everything
# Needs a running daemon (start-dockerd.sh) and /bin/busybox (apt-get install -y busybox-static).
# Every image carries the label dockerLayers.test=1.
# dle-buildkit:latest is built with BuildKit, which needs the docker-buildx plugin: install-buildx.sh
# installs it (offline, from Debian trixie). Where it cannot, that image is SKIPPED loudly, and with
# DOCKER_LAYERS_REQUIRE_DOCKER=1 (CI) the script fails instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IMAGES="$ROOT/test/setup/images"
RESULTS="$ROOT/test-results"
export DOCKER_BUILDKIT=0       # legacy builder: one layer per RUN/COPY, works offline
unset DOCKER_HOST DOCKER_CONTEXT
FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

fail() { echo "build-test-images: ERROR: $*" >&2; exit 1; }
docker version >/dev/null 2>&1 || fail "no Docker daemon answers (run test/setup/start-dockerd.sh)"
mkdir -p "$RESULTS"

# BuildKit (dle-buildkit) needs the buildx plugin; without it, skip that image loudly.
BUILDX=1
if ! bash "$ROOT/test/setup/install-buildx.sh"; then
  BUILDX=0
  [ "${DOCKER_LAYERS_REQUIRE_DOCKER:-0}" != 1 ] ||
    fail "docker buildx is unavailable (see above) and DOCKER_LAYERS_REQUIRE_DOCKER=1: cannot build dle-buildkit"
  cat >&2 <<'MSG'

!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  SKIPPED: dle-buildkit:latest (the BuildKit test image) — docker buildx is unavailable (see above).
!!  Its integration tests will be skipped; with DOCKER_LAYERS_REQUIRE_DOCKER=1 this is a failure.
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
MSG
fi

has_image() { [ "$(docker image inspect -f '{{index .Config.Labels "dockerLayers.test"}}' "$1" 2>/dev/null)" = 1 ]; }
dangling_id() { docker images -q --no-trunc -f dangling=true -f label=dockerLayers.role=dangling | head -n 1; }
has_container() { docker container inspect "$1" >/dev/null 2>&1; }

# dle-buildkit: built with BuildKit from dle-base. Only when buildx works; kept apart from the
# legacy images so a missing or skipped buildx never forces (or blocks) their rebuild.
buildkit_image() {
  local dir="$IMAGES/dle-buildkit" err history
  [ "$BUILDX" = 1 ] || return 0
  has_image dle-buildkit:latest && return 0
  echo "building dle-buildkit:latest from ${dir#"$ROOT"/}/Dockerfile (BuildKit)"
  touch -d '2024-01-01T00:00:00Z' "$dir/payload.txt"
  err="$(mktemp)"
  # --network none: RUN steps need no network, and this also works with dockerd --bridge=none.
  DOCKER_BUILDKIT=1 docker build -q --network none -t dle-buildkit:latest "$dir" >/dev/null 2>"$err" ||
    { cat "$err" >&2; rm -f "$err"; fail "BuildKit build of dle-buildkit:latest failed"; }
  rm -f "$err"
  has_image dle-buildkit:latest || fail "dle-buildkit:latest was built but has no label dockerLayers.test=1"
  history="$(docker image history --no-trunc --format '{{.CreatedBy}}|{{.Comment}}' dle-buildkit:latest)"
  grep -q ' # buildkit|buildkit.dockerfile.v0$' <<<"$history" ||
    fail "dle-buildkit:latest history has no '# buildkit' / buildkit.dockerfile.v0 step: not a BuildKit build?
$history"
}

all_present() {
  local i
  for i in dle-base:latest dle-app:1.0 dle-app:latest dle-shared:latest dle-dangling:latest; do
    has_image "$i" || return 1
  done
  [ -n "$(dangling_id)" ] || return 1
  has_container dle-container || return 1
  # dle-exited exists only where `docker run` works; a marker records that it could not.
  has_container dle-exited || [ -f "$RESULTS/docker-run-unavailable" ] || return 1
}

summary() {
  echo
  echo "Test images (label dockerLayers.test=1):"
  printf '  %-22s %-73s %s\n' NAME ID LAYERS
  local i id
  for i in dle-base:latest dle-app:1.0 dle-app:latest dle-shared:latest dle-dangling:latest dle-buildkit:latest; do
    if [ "$i" = dle-buildkit:latest ] && ! has_image "$i"; then
      printf '  %-22s %s\n' "$i" "SKIPPED (no docker buildx)"
      continue
    fi
    printf '  %-22s %-73s %s\n' "$i" "$(docker image inspect -f '{{.Id}}' "$i")" \
      "$(docker image inspect -f '{{len .RootFS.Layers}}' "$i")"
  done
  id="$(dangling_id)"
  printf '  %-22s %-73s %s\n' "<none> (dangling)" "$id" "$(docker image inspect -f '{{len .RootFS.Layers}}' "$id")"
  echo "$id" >"$RESULTS/dangling-image-id"
  echo "Containers:"
  docker ps -a --filter name='^dle-' --format '{{.Names}}\t{{.ID}}\t{{.Image}}\t{{.Status}}' | sed 's/^/  /'
  [ -f "$RESULTS/docker-run-unavailable" ] && echo "  (dle-exited missing: docker run failed here, see $RESULTS/docker-run-unavailable)"
  echo "Dangling image ID written to $RESULTS/dangling-image-id"
}

if [ "$FORCE" = 0 ] && all_present; then
  echo "test images already built (use --force to rebuild)"
  buildkit_image
  summary
  exit 0
fi

# Start from a clean slate so a half-built previous attempt cannot leak in.
echo "removing old test containers/images"
docker rm -f dle-container dle-exited >/dev/null 2>&1 || true
# Several passes: a parent image (e.g. the old dle-base) is only untagged while children exist, and
# an intermediate image cannot be removed before its children; -a includes the builder's intermediates.
for _ in 1 2 3 4 5; do
  ids="$(docker images -a -q --no-trunc -f label=dockerLayers.test=1 | sort -u)"
  [ -n "$ids" ] || break
  for id in $ids; do docker rmi -f "$id" >/dev/null 2>&1 || true; done
done
[ -z "$(docker images -a -q -f label=dockerLayers.test=1)" ] || fail "could not remove the old test images"
rm -f "$RESULTS/docker-run-unavailable" "$RESULTS/dangling-image-id"

# --- dle-base: one layer, imported from a busybox rootfs -------------------------------
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
bash "$ROOT/test/setup/busybox-rootfs-tar.sh" "$WORK/base.tar"
docker import --change 'LABEL dockerLayers.test=1' --change 'LABEL dockerLayers.role=base' \
  --change 'CMD ["sh"]' -m 'dle-base: busybox rootfs' "$WORK/base.tar" dle-base:latest >/dev/null
has_image dle-base:latest || fail "docker import did not apply the label to dle-base"

build() { # build <tag> <dir> [dockerfile]
  local tag="$1" dir="$2" file="${3:-Dockerfile}"
  echo "building $tag from ${dir#"$ROOT"/}/$file"
  # --network none: RUN steps need no network, and this also works with dockerd --bridge=none.
  docker build -q --network none -f "$dir/$file" -t "$tag" "$dir" >/dev/null 2>"$WORK/build.err" ||
    { cat "$WORK/build.err" >&2; fail "docker build of $tag failed"; }
}

# --- dle-app: fixed mtime on the copied file so the COPY layers are reproducible --------
touch -d '2024-01-01T00:00:00Z' "$IMAGES/dle-app/payload.txt"
build dle-app:1.0 "$IMAGES/dle-app"
docker tag dle-app:1.0 dle-app:latest

# The two COPY steps must give two layers with one diff ID (layers 3 and 4, 1-based).
mapfile -t LAYERS < <(docker image inspect -f '{{range .RootFS.Layers}}{{println .}}{{end}}' dle-app:1.0 | sed '/^$/d')
DUPS="$(printf '%s\n' "${LAYERS[@]}" | sort | uniq -d)"
[ -n "$DUPS" ] || fail "dle-app has no duplicate diff ID; the COPY layers differ"
echo "dle-app: ${#LAYERS[@]} layers; duplicate diff ID $DUPS"

# --- dle-shared: shares the base layer with dle-app -------------------------------------
build dle-shared:latest "$IMAGES/dle-shared"

# --- dangling: build dle-dangling twice; the first image loses its tag --------------------
build dle-dangling:latest "$IMAGES/dle-dangling" Dockerfile.old
build dle-dangling:latest "$IMAGES/dle-dangling" Dockerfile
[ -n "$(dangling_id)" ] || fail "no dangling image with label dockerLayers.role=dangling"

# --- containers ---------------------------------------------------------------------------
# created, never run: has a RW layer and an -init layer, empty diff
docker create --name dle-container --network none dle-app:1.0 >/dev/null
# run once and exited: its RW layer holds /rw.txt
if ! docker run --name dle-exited --network none dle-app:1.0 sh -c 'echo x > /rw.txt' >"$WORK/run.out" 2>&1; then
  docker rm -f dle-exited >/dev/null 2>&1 || true
  { echo "docker run failed on $(date -u +%FT%TZ):"; cat "$WORK/run.out"; } >"$RESULTS/docker-run-unavailable"
  echo "WARNING: docker run does not work here; dle-exited skipped (see $RESULTS/docker-run-unavailable)" >&2
fi

# --- dle-buildkit: the BuildKit image (needs buildx) ---------------------------------------
buildkit_image

summary
