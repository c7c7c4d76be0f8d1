#!/usr/bin/env bash
# Makes media/sample/sample-image.tar: a small image archive in the layout `docker save` writes
# (before Engine 25), so the extension has something to show with no Docker at all. Deterministic:
# fixed mtimes, owners and order, so running it again gives the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=media/sample/sample-image.tar
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stamp=@1767225600 # 2026-01-01T00:00:00Z

layer() { # layer <n>: tars $work/l<n> into $work/<n>.tar and prints its sha256
  tar -C "$work/l$1" --sort=name --mtime="$stamp" --owner=0 --group=0 --numeric-owner --format=gnu -cf "$work/$1.tar" .
  sha256sum "$work/$1.tar" | cut -d' ' -f1
}

mkdir -p "$work"/l0/{etc,bin,usr/share/doc/sample}
printf 'NAME="Sample Linux"\nID=sample\nVERSION_ID=1.0\n' >"$work/l0/etc/os-release"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n' >"$work/l0/etc/passwd"
printf '#!/bin/sh\necho "hello from the sample image"\n' >"$work/l0/bin/hello"
chmod 755 "$work/l0/bin/hello"
ln -s hello "$work/l0/bin/hi"
printf 'A tiny image for Docker Layer Explorer: open its layers, compare Changes and Merged.\n' >"$work/l0/usr/share/doc/sample/README"

mkdir -p "$work"/l1/app/{logs,static} "$work/l1/data"
printf 'const http = require("http");\nhttp.createServer((q, s) => s.end("ok")).listen(8080);\n' >"$work/l1/app/server.js"
printf '{ "name": "sample-app", "version": "1.0.0", "main": "server.js" }\n' >"$work/l1/app/package.json"
for i in $(seq 1 600); do printf 'DEBUG %04d request served in 3 ms from 10.0.0.%d\n' "$i" $((i % 250)); done >"$work/l1/app/logs/debug.log"
head -c 20000 /dev/zero | tr '\0' 'x' >"$work/l1/data/cache.bin"
printf '<h1>old page</h1>\n' >"$work/l1/app/static/index.html"
printf 'body { color: red }\n' >"$work/l1/app/static/old.css"

mkdir -p "$work"/l2/app "$work/l2/etc/sample"
printf 'listen = 8080\nworkers = 2\n' >"$work/l2/etc/sample/app.conf"
printf 'API_TOKEN=not-a-real-secret-but-it-should-not-be-in-an-image\n' >"$work/l2/app/.env"

# A RUN that deletes: whiteouts for a file and a folder, and an opaque folder replaced whole.
mkdir -p "$work"/l3/app/static "$work/l3/data"
: >"$work/l3/app/.wh.logs"
: >"$work/l3/data/.wh.cache.bin"
: >"$work/l3/app/static/.wh..wh..opq"
printf '<h1>new page</h1>\n' >"$work/l3/app/static/index.html"

d0=$(layer 0); d1=$(layer 1); d2=$(layer 2); d3=$(layer 3)
config=$(cat <<JSON
{"architecture":"amd64","os":"linux","created":"2026-01-01T00:00:00Z","config":{"Env":["PATH=/usr/bin:/bin","APP_HOME=/app"],"WorkingDir":"/app","Cmd":["node","server.js"]},"rootfs":{"type":"layers","diff_ids":["sha256:$d0","sha256:$d1","sha256:$d2","sha256:$d3"]},"history":[{"created":"2026-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop) ADD file:sample-rootfs in / "},{"created":"2026-01-01T00:00:00Z","created_by":"ENV APP_HOME=/app","comment":"buildkit.dockerfile.v0","empty_layer":true},{"created":"2026-01-01T00:00:00Z","created_by":"RUN /bin/sh -c mkdir -p /app/logs /data \\u0026\\u0026 npm ci \\u003e /app/logs/debug.log # buildkit","comment":"buildkit.dockerfile.v0"},{"created":"2026-01-01T00:00:00Z","created_by":"COPY app.conf .env /etc/sample/ # buildkit","comment":"buildkit.dockerfile.v0"},{"created":"2026-01-01T00:00:00Z","created_by":"RUN /bin/sh -c rm -rf /app/logs /data/cache.bin \\u0026\\u0026 rebuild-static # buildkit","comment":"buildkit.dockerfile.v0"},{"created":"2026-01-01T00:00:00Z","created_by":"WORKDIR /app","comment":"buildkit.dockerfile.v0","empty_layer":true},{"created":"2026-01-01T00:00:00Z","created_by":"CMD [\"node\" \"server.js\"]","comment":"buildkit.dockerfile.v0","empty_layer":true}]}
JSON
)
mkdir -p "$work/archive"
printf '%s' "$config" >"$work/config.json"
cid=$(sha256sum "$work/config.json" | cut -d' ' -f1)
cp "$work/config.json" "$work/archive/$cid.json"
layers=()
for n in 0 1 2 3; do
  digest=$(sha256sum "$work/$n.tar" | cut -d' ' -f1)
  mkdir -p "$work/archive/$digest"
  cp "$work/$n.tar" "$work/archive/$digest/layer.tar"
  layers+=("\"$digest/layer.tar\"")
done
printf '[{"Config":"%s.json","RepoTags":["sample/app:1.0"],"Layers":[%s]}]' "$cid" "$(IFS=,; echo "${layers[*]}")" >"$work/archive/manifest.json"
tar -C "$work/archive" --sort=name --mtime="$stamp" --owner=0 --group=0 --numeric-owner --format=gnu -cf "$out" .
echo "$out: $(stat -c %s "$out") bytes, image sha256:$cid"
