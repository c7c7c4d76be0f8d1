#!/usr/bin/env bash
# Install the docker-buildx CLI plugin (BuildKit builds: `DOCKER_BUILDKIT=1 docker build`) without a
# registry: Debian 12 has no buildx, Debian 13 "trixie"'s docker-buildx (0.13) works against the
# Debian 12 dockerd 20.10. Fetched with `apt-get download` from a PRIVATE source list for trixie (the
# system's apt sources, lists and caches are not touched), unpacked with `dpkg -x`, and copied to
#   /usr/local/lib/docker/cli-plugins/docker-buildx
# a system-wide folder every docker CLI searches, so root and the unprivileged test user both get it.
# Idempotent: does nothing when `docker buildx version` already works. As root.
#   usage: install-buildx.sh
#   DLE_TEST_USER   test user to check the plugin for, when it exists (default dletest)
# Exit 0 when buildx works; non-zero with a one-line message otherwise.
set -euo pipefail

PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
PLUGIN="$PLUGIN_DIR/docker-buildx"
TEST_USER="${DLE_TEST_USER:-dletest}"
DEFAULT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
fail() { echo "install-buildx: ERROR: $*" >&2; exit 1; }

# The docker CLI plugins are looked up from the CLI on PATH (may be /usr/local/bin/docker, a static
# 28.x CLI, ahead of Debian's /usr/bin/docker): check with exactly that one.
DOCKER="$(command -v docker || true)"
[ -n "$DOCKER" ] || fail "no docker CLI on PATH (apt-get install -y docker.io)"
buildx_ok() { "$DOCKER" buildx version >/dev/null 2>&1; }
user_exists() { id "$TEST_USER" >/dev/null 2>&1; }
# runuser keeps PATH and sets HOME to the user's: the same CLI, the user's ~/.docker.
user_buildx_ok() { runuser -u "$TEST_USER" -- "$DOCKER" buildx version >/dev/null 2>&1; }

if buildx_ok && { ! user_exists || [ "$(id -u)" != 0 ] || user_buildx_ok; }; then
  echo "buildx already available: $("$DOCKER" buildx version 2>&1 | head -n 1) (CLI $DOCKER)"
  exit 0
fi

[ "$(id -u)" = 0 ] || fail "docker buildx is missing and this is not root (uid $(id -u)): run test/setup/install-buildx.sh as root"
command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 || fail "docker buildx is missing and there is no apt-get/dpkg to fetch Debian's docker-buildx"

# --- the mirror: the URI of the system's own source for this release (e.g. bookworm) -------------
. /etc/os-release
CODENAME="${VERSION_CODENAME:-}"
[ -n "$CODENAME" ] || fail "no VERSION_CODENAME in /etc/os-release: cannot find the system's Debian mirror"

# Prints "URI<TAB>keyring-or-empty" for every enabled `deb` entry of suite $CODENAME.
mirror_candidates() {
  local f
  # deb822 (*.sources): stanzas separated by blank lines.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v code="$CODENAME" '
      function flush() {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && (" " suites " ") ~ ("[ \t]" code "[ \t]") && tolower(enabled) != "no" && uris != "") {
          split(uris, u, /[ \t]+/); print u[1] "\t" signed
        }
        types = suites = uris = signed = key = ""; enabled = "yes"
      }
      BEGIN { enabled = "yes" }
      /^#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { next }                                    # continuation line (e.g. an inline key)
      {
        i = index($0, ":"); if (i == 0) next
        key = tolower(substr($0, 1, i - 1)); val = substr($0, i + 1); gsub(/^[ \t]+|[ \t]+$/, "", val)
        if (key == "types") types = val
        else if (key == "suites") suites = val
        else if (key == "uris") uris = val
        else if (key == "signed-by") signed = val
        else if (key == "enabled") enabled = val
      }
      END { flush() }' "$f"
  done
  # one-line format (sources.list, *.list): deb [opts] URI suite components...
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -e 's/#.*//' "$f" | awk -v code="$CODENAME" '
      $1 == "deb" {
        line = $0; signed = ""
        if (match(line, /\[[^]]*\]/)) {
          opts = substr(line, RSTART + 1, RLENGTH - 2)
          line = substr(line, 1, RSTART - 1) " " substr(line, RSTART + RLENGTH)
          if (match(opts, /signed-by=[^ \t\]]+/)) signed = substr(opts, RSTART + 10, RLENGTH - 10)
        }
        n = split(line, w, /[ \t]+/); k = 0
        for (j = 1; j <= n; j++) if (w[j] != "") v[++k] = w[j]
        if (k >= 3 && v[3] == code) print v[2] "\t" signed
      }'
  done
}
CANDIDATE="$(mirror_candidates | head -n 1)"
[ -n "$CANDIDATE" ] || fail "no enabled 'deb' source for suite $CODENAME in /etc/apt/sources.list or /etc/apt/sources.list.d/: cannot tell which Debian mirror to use"
MIRROR="${CANDIDATE%%$'\t'*}"
KEYRING="${CANDIDATE#*$'\t'}"
# Signed-By may also be an inline key block; then (or when absent) use Debian's archive keyring,
# which holds the trixie keys too.
[ -n "$KEYRING" ] && [ -f "$KEYRING" ] || KEYRING="$DEFAULT_KEYRING"
[ -f "$KEYRING" ] || fail "no keyring to verify trixie with ($KEYRING missing; apt-get install -y debian-archive-keyring)"

# --- fetch and unpack, all in a private temp folder ----------------------------------------------
started=$SECONDS
TMP="$(mktemp -d /tmp/dle-buildx-XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/lists/partial" "$TMP/cache/archives/partial" "$TMP/download" "$TMP/root"
echo "deb [signed-by=$KEYRING] $MIRROR trixie main" >"$TMP/sources.list"
# _apt (the download sandbox user) must be able to write where apt downloads.
chmod 755 "$TMP"
chown _apt "$TMP/lists/partial" "$TMP/cache/archives/partial" "$TMP/download" 2>/dev/null || true
APTOPT=(-o Dir::Etc::SourceList="$TMP/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::State::Lists="$TMP/lists" -o Dir::Cache="$TMP/cache" -o Dir::Cache::Archives="$TMP/cache/archives"
        -o APT::Get::List-Cleanup=0 -o Acquire::Retries=3)
echo "fetching docker-buildx from $MIRROR trixie (private source list; CLI $DOCKER)"
last_error() { grep -E '^(E|W|Err):' "$1" | tail -n 1 | tr -s '\n' ' ' || true; }
apt-get "${APTOPT[@]}" update >"$TMP/update.log" 2>&1 ||
  fail "apt-get update for $MIRROR trixie failed: $(last_error "$TMP/update.log")"
(cd "$TMP/download" && apt-get "${APTOPT[@]}" download docker-buildx) >"$TMP/download.log" 2>&1 ||
  fail "apt-get download docker-buildx (trixie) failed: $(last_error "$TMP/download.log")"
DEB="$(ls "$TMP"/download/docker-buildx_*.deb 2>/dev/null | head -n 1)"
[ -n "$DEB" ] || fail "apt-get download left no docker-buildx_*.deb in $TMP/download"
dpkg -x "$DEB" "$TMP/root" || fail "dpkg -x $DEB failed"
SRC="$TMP/root/usr/libexec/docker/cli-plugins/docker-buildx"
[ -x "$SRC" ] || fail "$(basename "$DEB") has no usr/libexec/docker/cli-plugins/docker-buildx"

mkdir -p "$PLUGIN_DIR"
install -m 0755 "$SRC" "$PLUGIN.tmp" && mv -f "$PLUGIN.tmp" "$PLUGIN" || fail "could not write $PLUGIN"

# --- verify with the CLI on PATH, Debian's CLI, and the test user ----------------------------------
buildx_ok || fail "installed $PLUGIN but '$DOCKER buildx version' still fails: $("$DOCKER" buildx version 2>&1 | head -n 1)"
echo "ok: $DOCKER ($("$DOCKER" version --format '{{.Client.Version}}' 2>/dev/null || echo '?')) buildx version: $("$DOCKER" buildx version 2>&1 | head -n 1)"
if [ -x /usr/bin/docker ] && [ "$(readlink -f /usr/bin/docker)" != "$(readlink -f "$DOCKER")" ]; then
  /usr/bin/docker buildx version >/dev/null 2>&1 ||
    fail "installed $PLUGIN but '/usr/bin/docker buildx version' fails: $(/usr/bin/docker buildx version 2>&1 | head -n 1)"
  echo "ok: /usr/bin/docker ($(/usr/bin/docker version --format '{{.Client.Version}}' 2>/dev/null || echo '?')) finds the plugin too"
fi
if user_exists; then
  user_buildx_ok || fail "installed $PLUGIN but 'runuser -u $TEST_USER -- docker buildx version' fails: $(runuser -u "$TEST_USER" -- "$DOCKER" buildx version 2>&1 | head -n 1)"
  echo "ok: $TEST_USER runs docker buildx too"
fi
echo "installed $(basename "$DEB") → $PLUGIN in $((SECONDS - started))s"
