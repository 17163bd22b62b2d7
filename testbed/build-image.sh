#!/bin/bash
# Builds (once, cached) the GlusterFS node image of the test bed and optionally
# imports it into one or more docker daemons.
#
#   build-image.sh                      ensure the cached image tar; print IMAGE_TAR/IMAGE_TAG
#   build-image.sh --import unix:///path/docker.sock [...]
#                                       ...and `docker import` it where missing
#   build-image.sh --tag                print only the image tag
#
# No registry is reachable, so the image is a Debian rootfs made by mmdebstrap
# from the apt mirror, plus our entrypoint, fed to `docker import`.
# Cache layout (outside the repo, survives `testbed.sh down`):
#   $TESTBED_CACHE/rootfs-<pkghash>.tar   mmdebstrap output (slow: 70-150 s)
#   $TESTBED_CACHE/image-<imghash>.tar    rootfs + entrypoint (seconds)
# <imghash> covers the package list and entrypoint.sh, so editing either one
# yields a new tag and a rebuild instead of a silently stale image.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ENTRYPOINT_PATH="/usr/local/sbin/gluster-testbed-entrypoint"
RHASH="$(rootfs_hash)"
IHASH="$(image_hash)"
ROOTFS_TAR="$TESTBED_CACHE/rootfs-$RHASH.tar"
IMAGE_TAR="$TESTBED_CACHE/image-$IHASH.tar"
IMAGE_TAG="gluster-testbed:$IHASH"

# The Debian mirror comes from this machine's own apt sources (deb822 `.sources` or the
# one-line `sources.list` form): on CI it may be the only one reachable, and no host name is
# written in the repo. TESTBED_MIRROR overrides it for a machine whose apt has none.
apt_mirror() {
  if [[ -n "${TESTBED_MIRROR:-}" ]]; then echo "$TESTBED_MIRROR"; return; fi
  local uri="" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # A stanza's URIs and Suites may come in either order; a blank line ends the stanza.
    uri="$(awk -v suite="$TESTBED_SUITE" '
      function flush() { if (u != "" && s) { print u; found = 1; exit } u = ""; s = 0 }
      /^[[:space:]]*$/ { flush(); next }
      /^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { u = $i; break } }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) s = 1 }
      END { if (!found) flush() }' "$f" 2>/dev/null || true)"
    [[ -n "$uri" ]] && break
  done
  if [[ -z "$uri" ]]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f "$f" ]] || continue
      # deb [options] URI SUITE COMPONENTS...
      uri="$(awk -v suite="$TESTBED_SUITE" '
        $1 == "deb" { i = 2; if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                      if ($(i + 1) == suite && $i ~ /^(https?|file):/) { print $i; exit } }' "$f" 2>/dev/null || true)"
      [[ -n "$uri" ]] && break
    done
  fi
  [[ -n "$uri" ]] || die "no Debian $TESTBED_SUITE mirror in this machine's apt sources (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list): add one, or set TESTBED_MIRROR=<mirror URL>"
  echo "$uri"
}

ensure_rootfs() {
  [[ -s "$ROOTFS_TAR" ]] && return 0
  command -v mmdebstrap >/dev/null || die "mmdebstrap is missing; run .ci/install-deps.sh"
  local mirror tmp start=$SECONDS
  mirror="$(apt_mirror)" || exit 1
  tmp="$ROOTFS_TAR.tmp.$$"
  log "building GlusterFS rootfs with mmdebstrap from $mirror (cold cache: takes 1-3 minutes)"
  log "packages: $TESTBED_PACKAGES"
  # Never leave a half-written tar under the final name: a later run would
  # import a truncated image.
  trap 'rm -f "$tmp"' EXIT
  if ! mmdebstrap --quiet --mode=root --variant="$TESTBED_VARIANT" --format=tar \
        --include="$TESTBED_PACKAGES" "$TESTBED_SUITE" "$tmp" "$mirror" \
        >"$TESTBED_CACHE/mmdebstrap.log" 2>&1; then
    tail -n 40 "$TESTBED_CACHE/mmdebstrap.log" >&2
    die "mmdebstrap failed (full log: $TESTBED_CACHE/mmdebstrap.log)"
  fi
  mv -f "$tmp" "$ROOTFS_TAR"
  trap - EXIT
  log "rootfs built in $((SECONDS - start)) s: $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
}

ensure_image_tar() {
  [[ -s "$IMAGE_TAR" ]] && return 0
  local tmp="$IMAGE_TAR.tmp.$$" stage
  stage="$(mktemp -d)"
  trap 'rm -rf "$tmp" "$stage"' EXIT
  cp --reflink=auto "$ROOTFS_TAR" "$tmp"
  install -D -m 0755 "$TESTBED_SRC/entrypoint.sh" "$stage$ENTRYPOINT_PATH"
  # Append only the file (no directory entries) so the rootfs' own /usr/local
  # ownership and modes stay untouched.
  tar --append -f "$tmp" -C "$stage" --no-recursion --numeric-owner --owner=0 --group=0 ".$ENTRYPOINT_PATH"
  mv -f "$tmp" "$IMAGE_TAR"
  rm -rf "$stage"
  trap - EXIT
  # Image tars for older entrypoints are cheap to recreate; drop them to save disk.
  find "$TESTBED_CACHE" -maxdepth 1 -name 'image-*.tar' ! -name "image-$IHASH.tar" -delete
  log "image tar ready: $IMAGE_TAR"
}

import_into() {
  local host="$1"
  if docker -H "$host" image inspect "$IMAGE_TAG" >/dev/null 2>&1; then
    return 0
  fi
  log "importing $IMAGE_TAG into $host"
  docker -H "$host" import \
    --change "ENTRYPOINT [\"$ENTRYPOINT_PATH\"]" \
    --change 'CMD []' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'LABEL org.opencontainers.image.title=gluster-testbed' \
    "$IMAGE_TAR" "$IMAGE_TAG" >/dev/null \
    || die "docker import of $IMAGE_TAR into $host failed"
}

main() {
  local mode=env imports=()
  while (( $# )); do
    case "$1" in
      --tag) mode=tag; shift ;;
      --import) [[ $# -ge 2 ]] || die "--import needs a docker host (unix:///...sock)"; imports+=("$2"); shift 2 ;;
      -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
      *) die "unknown argument '$1' (see --help)" ;;
    esac
  done
  if [[ "$mode" == tag ]]; then echo "$IMAGE_TAG"; return; fi
  mkdir -p "$TESTBED_CACHE"
  # Serialise builders: two test runs starting together must not both run mmdebstrap.
  exec 9>"$TESTBED_CACHE/.build.lock"
  flock -w 900 9 || die "another build holds $TESTBED_CACHE/.build.lock for over 15 minutes"
  ensure_rootfs
  ensure_image_tar
  flock -u 9
  local h
  for h in "${imports[@]}"; do import_into "$h"; done
  echo "IMAGE_TAR=$IMAGE_TAR"
  echo "IMAGE_TAG=$IMAGE_TAG"
}

main "$@"
