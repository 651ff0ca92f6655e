#!/usr/bin/env bash
# Build Berth's demo images locally, FROM scratch, out of Debian's busybox-static and nginx
# (no image registry is reachable). Idempotent: an image is rebuilt only when its tag is
# missing or its label berth.demo-digest differs from the digest of its build context.
#
#   bash scripts/images.sh            (needs a running dockerd: bash scripts/engines.sh start)
#
# Contexts live in examples/images/<dir>/; the host binaries copied into them
# (busybox, rootfs/) are generated here and gitignored.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES=$ROOT/examples/images
LOG_DIR=${BERTH_ENGINES_DIR:-/tmp/berth-engines}
BUSYBOX=/bin/busybox
NGINX=/usr/sbin/nginx
LABEL=berth.demo-digest
export DOCKER_BUILDKIT=0 # the legacy builder: no buildx plugin is needed with any client

# tag | context dir | build args (space separated KEY=VALUE)
TARGETS=(
  "berth/web:1|web|APP_VERSION=1"
  "berth/web:2|web|APP_VERSION=2"
  "tomcat:latest|web|APP_VERSION=1"
  "registry.aliyuncs.com/acs-sample/mysql:5.7|mysql|"
  "nginx:latest|nginx|"
  "registry.aliyuncs.com/acs-sample/nginx-service-discovery:latest|nginx|"
)

say() { printf 'images: %s\n' "$*"; }
die() { printf 'images: ERROR: %s\n' "$*" >&2; exit 1; }

# copy a file only when its content differs (keeps the second run cheap)
sync_file() {
  local src=$1 dst=$2
  if ! cmp -s "$src" "$dst" 2>/dev/null; then
    mkdir -p "$(dirname "$dst")"
    rm -f "$dst"
    cp -L --preserve=mode "$src" "$dst"
  fi
}

ensure_gitignore() {
  local gi=$ROOT/.gitignore entry
  touch "$gi"
  for entry in '/examples/images/*/busybox' '/examples/images/*/rootfs/'; do
    if ! grep -qxF -- "$entry" "$gi"; then
      # keep the file newline-terminated before appending
      [[ -s $gi && $(tail -c1 "$gi" | od -An -c | tr -d ' ') != '\n' ]] && echo >>"$gi"
      echo "$entry" >>"$gi"
    fi
  done
}

prepare_busybox_context() {
  sync_file "$BUSYBOX" "$IMAGES/$1/busybox"
}

# stat line of every file copied into nginx/rootfs last time, so an unchanged host is
# recognised without running ldd and comparing every library again
NGINX_STAMP=$LOG_DIR/nginx-rootfs.stamp

prepare_nginx_context() {
  local rootfs=$IMAGES/nginx/rootfs lib f
  [[ -x $NGINX ]] || die "$NGINX missing: run bash scripts/engines.sh start"
  if [[ -s $NGINX_STAMP && -s $NGINX_STAMP.rootfs && -x $rootfs/usr/sbin/nginx ]] &&
    [[ $(xargs -d '\n' stat -L -c '%n %s %Y' <<<"$(cut -d' ' -f1 "$NGINX_STAMP")" 2>/dev/null) == "$(cat "$NGINX_STAMP")" ]] &&
    [[ $(find "$rootfs" -printf '%p %s %T@\n' | LC_ALL=C sort) == "$(cat "$NGINX_STAMP.rootfs")" ]]; then
    return 0
  fi
  local sources=("$NGINX" "$BUSYBOX")
  sync_file "$NGINX" "$rootfs/usr/sbin/nginx"
  sync_file "$BUSYBOX" "$rootfs/bin/busybox"
  # every library ldd lists, at the path ldd lists it (the loader finds /lib/<triplet> itself)
  while read -r lib; do
    [[ -n $lib ]] || continue
    sync_file "$lib" "$rootfs$lib"
    sources+=("$lib")
  done < <(ldd "$NGINX" | grep -o '/[^ ]*' | sort -u)
  # Debian's /etc/nginx basics; nginx.conf and conf.d/ come from the context itself
  for f in mime.types fastcgi.conf fastcgi_params proxy_params scgi_params uwsgi_params koi-utf koi-win win-utf; do
    if [[ -f /etc/nginx/$f ]]; then
      sync_file "/etc/nginx/$f" "$rootfs/etc/nginx/$f"
      sources+=("/etc/nginx/$f")
    fi
  done
  stat -L -c '%n %s %Y' "${sources[@]}" >"$NGINX_STAMP"
  find "$rootfs" -printf '%p %s %T@\n' | LC_ALL=C sort >"$NGINX_STAMP.rootfs"
}

# sha256 over the context's files (path, type, mode, content; symlink targets) and the
# build args. Cached in $LOG_DIR under a key made of the files' sizes and mtimes, so an
# unchanged context is not read again.
context_digest() {
  local dir=$1 args=$2 listing key cache digest
  key=$({
    printf '%s\n%s\n' "$dir" "$args"
    cd "$dir" && find . \( -type f -o -type l \) -printf '%p %y %m %s %T@ %l\n' | LC_ALL=C sort
  } | sha256sum | cut -d' ' -f1)
  cache=$LOG_DIR/digest-cache/$key
  if [[ -s $cache ]]; then
    cat "$cache"
    return 0
  fi
  listing=$(cd "$dir" && find . \( -type f -o -type l \) -printf '%p %y %m %l\n' | LC_ALL=C sort)
  digest=$({
    printf 'args=%s\n%s\n' "$args" "$listing"
    cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  } | sha256sum | cut -d' ' -f1)
  mkdir -p "$LOG_DIR/digest-cache"
  echo "$digest" >"$cache"
  echo "$digest"
}

main() {
  command -v docker >/dev/null || die "docker client not found: run bash scripts/engines.sh start"
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
    die "docker engine not answering: run bash scripts/engines.sh start"
  [[ -x $BUSYBOX ]] || die "$BUSYBOX missing (package busybox-static): run bash scripts/engines.sh start"
  ldd "$BUSYBOX" >/dev/null 2>&1 && die "$BUSYBOX is dynamically linked; install busybox-static"
  mkdir -p "$LOG_DIR"

  ensure_gitignore
  prepare_busybox_context web
  prepare_busybox_context mysql
  prepare_nginx_context

  declare -A digests=()
  local entry tag dir args want have old built=0 skipped=0 a
  for entry in "${TARGETS[@]}"; do
    IFS='|' read -r tag dir args <<<"$entry"
    local key="$dir|$args"
    [[ -n ${digests[$key]:-} ]] || digests[$key]=$(context_digest "$IMAGES/$dir" "$args")
    want=${digests[$key]}
    have=$(docker image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$tag" 2>/dev/null || true)
    if [[ $have == "$want" ]]; then
      say "$tag: up to date"
      skipped=$((skipped + 1))
      continue
    fi
    old=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
    local build_args=()
    for a in $args; do build_args+=(--build-arg "$a"); done
    say "$tag: building from examples/images/$dir ${args:+($args)}"
    local log=$LOG_DIR/build-${tag//[\/:]/_}.log
    if ! docker build --pull=false --label "$LABEL=$want" "${build_args[@]}" -t "$tag" "$IMAGES/$dir" >"$log" 2>&1; then
      tail -30 "$log" >&2
      die "building $tag failed (log: $log)"
    fi
    built=$((built + 1))
    # drop the previous image of this tag if nothing else uses it (never forced)
    if [[ -n $old && $old != "$(docker image inspect --format '{{.Id}}' "$tag")" ]]; then
      docker rmi "$old" >/dev/null 2>&1 || true
    fi
  done
  say "done: $built built, $skipped up to date"
}

main "$@"
