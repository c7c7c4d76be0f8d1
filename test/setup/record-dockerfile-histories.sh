#!/usr/bin/env bash
# Records what both builders write into an image's history for the Dockerfiles under
# test/fixtures/dockerfiles/, for the unit tests of the Dockerfile ↔ layer matcher. Builds offline
# (FROM dle-base, --network none), keeps the image config's history and the Engine's
# GET /images/{id}/history answer, then removes the images. Run as root with the test images built:
#   bash test/setup/record-dockerfile-histories.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CASES="$ROOT/test/fixtures/dockerfiles"
unset DOCKER_CONTEXT
# Docker 26 with the containerd store (start-containerd-daemon.sh) for heredocs: Docker 20.10's
# built-in Dockerfile frontend predates them, and no registry is there to pull a newer one.
D26_SOCKET="${DLE_D26_DIR:-/opt/dle-docker26}/run/docker.sock"
export DOCKER_HOST=unix:///var/run/docker.sock
docker image inspect dle-base:latest >/dev/null || { echo "dle-base:latest is missing: run test/setup/build-test-images.sh" >&2; exit 1; }

# record <case> <builder> <output name> [docker build arguments…]
record() {
  local case=$1 builder=$2 name=$3
  shift 3
  local tag="dle-df-record:$case-$name" buildkit=0
  [ "$builder" = buildkit ] && buildkit=1
  echo "building $case ($builder${*:+, $*})"
  DOCKER_BUILDKIT=$buildkit docker build -q --network none -t "$tag" "$@" "$CASES/$case" >/dev/null
  local id config_file socket=${DOCKER_HOST#unix://} work
  id=$(docker image inspect -f '{{.Id}}' "$tag")
  # The image config, as docker save exports it (either store, either archive layout).
  work=$(mktemp -d)
  docker save "$tag" | tar -C "$work" -x
  config_file="$work/$(jq -r '.[0].Config' "$work/manifest.json")"
  jq -n \
    --arg builder "$builder" \
    --arg engine "$(docker version -f '{{.Server.Version}}')" \
    --argjson args "$(printf '%s\n' "$@" | jq -R . | jq -s .)" \
    --argjson layers "$(docker image inspect -f '{{json .RootFS.Layers}}' "$tag")" \
    --slurpfile config "$config_file" \
    --argjson history "$(curl -sf --unix-socket "$socket" "http://localhost/images/$id/history")" \
    '{builder: $builder, engine: $engine, buildArguments: ($args | map(select(. != ""))), layerCount: ($layers | length),
      config: {history: $config[0].history}, engineHistory: $history}' >"$CASES/$case/$name.json"
  rm -rf "$work"
  docker rmi -f "$tag" >/dev/null
}

for builder in legacy buildkit; do
  record multistage "$builder" "$builder"
  record multistage "$builder" "$builder-args" --build-arg VERSION=2 --build-arg CHANNEL=beta
  record multistage "$builder" "$builder-target" --target build
  record shell-exec-escape "$builder" "$builder"
  record flags-and-forms "$builder" "$builder"
  DOCKER_BUILDKIT=$([ "$builder" = buildkit ] && echo 1 || echo 0) docker build -q --network none -t dle-df-onbuild-base:latest -f "$CASES/onbuild/Dockerfile.base" "$CASES/onbuild" >/dev/null
  record onbuild "$builder" "$builder"
  docker rmi -f dle-df-onbuild-base:latest >/dev/null
done
# record_provenance <case>: a BuildKit build with --provenance=mode=max (the containerd store keeps the
# attestation), its config's history and the SLSA statement docker save exports next to the image.
record_provenance() {
  local case=$1 tag="dle-df-record:$1-provenance" work
  echo "building $case (BuildKit, --provenance=mode=max)"
  docker buildx build -q --network none --provenance=mode=max --load -t "$tag" "$CASES/$case" >/dev/null
  work=$(mktemp -d)
  docker save "$tag" | tar -C "$work" -x
  # index.json → the image's index → its manifest and the attestation manifest → the in-toto layer.
  local inner manifest attestation statement
  inner="$work/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$work/index.json")"
  manifest="$work/blobs/sha256/$(jq -r '.manifests[] | select(.annotations["vnd.docker.reference.type"] != "attestation-manifest") | .digest | sub("sha256:"; "")' "$inner")"
  attestation="$work/blobs/sha256/$(jq -r '.manifests[] | select(.annotations["vnd.docker.reference.type"] == "attestation-manifest") | .digest | sub("sha256:"; "")' "$inner")"
  statement="$work/blobs/sha256/$(jq -r '.layers[] | select(.mediaType == "application/vnd.in-toto+json") | .digest | sub("sha256:"; "")' "$attestation")"
  jq -n --arg engine "$(docker version -f '{{.Server.Version}}')" \
    --slurpfile config "$work/blobs/sha256/$(jq -r '.config.digest | sub("sha256:"; "")' "$manifest")" \
    --slurpfile statement "$statement" \
    '{builder: "buildkit", engine: $engine, buildArguments: ["--provenance=mode=max"], layerCount: ($config[0].rootfs.diff_ids | length),
      config: {history: $config[0].history}, provenance: $statement[0]}' >"$CASES/$case/buildkit-provenance.json"
  rm -rf "$work"
  docker rmi -f "$tag" >/dev/null
}

if [ -S "$D26_SOCKET" ]; then
  DOCKER_HOST="unix://$D26_SOCKET" record heredoc buildkit buildkit
  DOCKER_HOST="unix://$D26_SOCKET" record_provenance multistage
  DOCKER_HOST="unix://$D26_SOCKET" record_provenance heredoc
else
  echo "no Docker 26 daemon at $D26_SOCKET (test/setup/start-containerd-daemon.sh): heredoc not recorded" >&2
fi
echo "recorded into ${CASES#"$ROOT"/}/*/*.json"
