#!/usr/bin/env bash
# Writes the test images' base layer to OUT.tar: a busybox rootfs (a static busybox and its applets,
# /etc/passwd and /etc/group), with fixed order, mtime and owner, so the layer's diff ID is the same
# on every machine with the same busybox. build-test-images.sh and start-rootless-dockerd.sh import it
# as dle-base.
#   usage: busybox-rootfs-tar.sh OUT.tar
set -euo pipefail
fail() { echo "busybox-rootfs-tar: ERROR: $*" >&2; exit 1; }
[ $# -eq 1 ] || { echo "usage: $0 OUT.tar" >&2; exit 2; }

BUSYBOX="$(command -v busybox || true)"
[ -x /bin/busybox ] && BUSYBOX=/bin/busybox
[ -n "$BUSYBOX" ] || fail "busybox not found (apt-get install -y busybox-static)"
# A dynamically linked busybox would not run inside the image.
if ldd "$BUSYBOX" >/dev/null 2>&1; then fail "$BUSYBOX is dynamically linked; install busybox-static"; fi

RF="$(mktemp -d)"
trap 'rm -rf "$RF"' EXIT
mkdir -p "$RF/bin" "$RF/etc" "$RF/tmp" "$RF/root"
chmod 1777 "$RF/tmp"
cp "$BUSYBOX" "$RF/bin/busybox"
for a in sh ls echo cat mkdir touch rm cp mv ln chmod stat find head tail wc sleep true false \
         env id printf test sed grep du ps tar sha256sum; do
  ln -s busybox "$RF/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$RF/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$RF/etc/group"
tar -C "$RF" --sort=name --mtime=@946684800 --owner=0 --group=0 --numeric-owner -cf "$1" .
