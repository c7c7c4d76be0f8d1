#!/usr/bin/env bash
# Records containerd's metadata from the Docker 26 containerd-store daemon (start-containerd-daemon.sh)
# for the unit tests of the bolt reader: meta.db and the overlayfs snapshotter's metadata.db
# (gzipped), and the truth from containerd itself: for each layer of dle-app:1.0, the snapshot
# folder `ctr snapshots view --mounts` names (the view is removed again before the files are copied).
# ctr is run here, by the recorder, never by the product. Run as root:
#   bash test/setup/record-containerd-metadata.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
D26="${DLE_D26_DIR:-/opt/dle-docker26}"
OUT="$ROOT/test/fixtures/containerd"
CTR=("$D26/pkg/usr/bin/ctr" -a "$D26/run/exec/containerd/containerd.sock" -n moby snapshots --snapshotter overlayfs)
STATE="$D26/state/containerd/daemon"
export DOCKER_HOST="unix://$D26/run/docker.sock"
mkdir -p "$OUT"

# Chain IDs of dle-app:1.0's layers: sha256 of "<parent chain ID> <diff ID>", bottom up.
mapfile -t diff_ids < <(docker image inspect -f '{{range .RootFS.Layers}}{{println .}}{{end}}' dle-app:1.0 | sed '/^$/d')
chain=""
truth="{}"
for diff_id in "${diff_ids[@]}"; do
  if [ -z "$chain" ]; then chain=$diff_id; else chain="sha256:$(printf '%s %s' "$chain" "$diff_id" | sha256sum | cut -d' ' -f1)"; fi
  key="dle-record-view-$$"
  mounts=$("${CTR[@]}" view --mounts "$key" "$chain")
  "${CTR[@]}" rm "$key"
  # A view mounts the layer read-only: a bind of its folder (one layer), or an overlay whose first
  # lowerdir is the layer's own folder (…/snapshots/<N>/fs).
  folder=$(jq -r '.[0] | if .Type == "bind" then .Source else (.Options[] | select(startswith("lowerdir=")) | sub("^lowerdir="; "") | split(":")[0]) end' <<<"$mounts")
  truth=$(jq --arg chain "$chain" --arg folder "${folder#"$STATE"/}" '. + {($chain): $folder}' <<<"$truth")
done
jq -n --argjson layers "$truth" --arg engine "$(docker version -f '{{.Server.Version}}')" \
  '{engine: $engine, image: "dle-app:1.0", snapshotFolders: $layers}' >"$OUT/truth.json"
gzip -9 -c "$STATE/io.containerd.metadata.v1.bolt/meta.db" >"$OUT/meta.db.gz"
gzip -9 -c "$STATE/io.containerd.snapshotter.v1.overlayfs/metadata.db" >"$OUT/metadata.db.gz"
echo "recorded ${OUT#"$ROOT"/}: meta.db.gz, metadata.db.gz, truth.json"
