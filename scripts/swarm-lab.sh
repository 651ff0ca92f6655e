#!/usr/bin/env bash
# A real 3-node Docker Swarm on this one machine, for the swarm provider's tests
# (../shared/SWARM-LAB.md is the measured recipe this follows):
#
#   bash scripts/swarm-lab.sh start|stop|status|env|cut N|join N
#
# - a "switch" network namespace holding a bridge; one network namespace per node
#   (10.213.0.11-13/24) and one for a registry (10.213.0.10), joined by veth pairs; a host leg
#   (10.213.0.1) so tests reach the nodes. No default route in any of them: nothing leaves.
# - one dockerd per node (own data root, exec root, socket, pid file, containerd, cgroup
#   parent, hostname), in its own mount namespace so its mounts go away with it.
# - a registry (Debian's docker-registry binary, taken out of its .deb so no packaged service
#   starts) holding every image scripts/images.sh built on the host daemon, under their own
#   names: the nodes reach it as the Docker Hub mirror and, through their own /etc/hosts, as
#   registry.aliyuncs.com. The article's templates then run unchanged and services pin digests.
#
# Never touches the machine's default dockerd beyond `docker save` of the demo images.
# Idempotent; `stop` is safe after a crash (pid files, then what is left in the lab's network
# namespaces and cgroups, which only this script creates).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=${BERTH_SWARM_LAB_DIR:-/var/lib/berth-swarm-lab}
CACHE=${BERTH_SWARM_LAB_CACHE:-/var/cache/berth-swarm-lab}
NODES=(1 2 3)
NS=berth-swarm
SWITCH_NS=$NS-sw
REG_NS=$NS-reg
SUBNET_PREFIX=10.213.0
HOST_ADDR=$SUBNET_PREFIX.1
REG_ADDR=$SUBNET_PREFIX.10
ADDR_POOL=10.213.128.0/17
# The demo images the lab serves (scripts/images.sh builds them on the host daemon).
IMAGES=(tomcat:latest berth/web:1 berth/web:2 nginx:latest registry.aliyuncs.com/acs-sample/mysql:5.7)
# Made by the lab from tomcat:latest: pulls fine, its tasks exit 3.
BROKEN_IMAGE=berth/broken:1
# Registries the nodes believe they reach: the lab's registry answers for all of them.
ALIASED_REGISTRIES=(registry.aliyuncs.com)
HOST_DOCKER=${BERTH_SWARM_LAB_HOST_DOCKER:-unix:///var/run/docker.sock}

say() { printf 'swarm-lab: %s\n' "$*"; }
die() { printf 'swarm-lab: ERROR: %s\n' "$*" >&2; exit 1; }

node_dir() { echo "$LAB/node$1"; }
node_sock() { echo "unix://$LAB/node$1/docker.sock"; }
node_addr() { echo "$SUBNET_PREFIX.1$1"; }
node_ns() { echo "$NS-n$1"; }
ndocker() { local n=$1; shift; docker -H "$(node_sock "$n")" "$@"; }

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- prerequisites

need_tools() {
  local missing=() t
  for t in ip nsenter unshare dockerd docker mount dpkg-deb; do command -v "$t" >/dev/null || missing+=("$t"); done
  [[ ${#missing[@]} -eq 0 ]] || die "missing tools: ${missing[*]} (packages iproute2, util-linux, mount, dpkg, docker.io)"
  [[ $(id -u) == 0 ]] || die "must run as root (network namespaces, dockerd)"
}

# The registry binary from Debian's docker-registry package, without installing the package
# (its service would take the host's port 5000).
registry_binary() {
  local bin=$CACHE/docker-registry/usr/bin/docker-registry deb
  if [[ ! -x $bin ]]; then
    mkdir -p "$CACHE"
    say "fetching docker-registry (apt-get download)" >&2
    (cd "$CACHE" && rm -f docker-registry_*.deb && apt-get download docker-registry >/dev/null 2>&1) ||
      die "apt-get download docker-registry failed: is the Debian mirror reachable?"
    deb=$(ls "$CACHE"/docker-registry_*.deb | head -n1)
    dpkg-deb -x "$deb" "$CACHE/docker-registry"
    [[ -x $bin ]] || die "no usr/bin/docker-registry in $deb"
  fi
  echo "$bin"
}

# ---------------------------------------------------------------- network

ns_exists() { [[ -e /run/netns/$1 ]]; }

ensure_ns() { ns_exists "$1" || ip netns add "$1"; }

# veth from the switch's bridge into namespace $1 (or the host when $1 is empty) with address $3.
ensure_leg() {
  local ns=$1 name=$2 addr=$3 inside=$2 peer=$2-p
  if [[ -n $ns ]]; then
    ip -n "$ns" link show eth0 >/dev/null 2>&1 && return 0
    ip link add "$name" type veth peer name "$peer" netns "$SWITCH_NS"
    ip link set "$name" netns "$ns"
    ip -n "$ns" link set "$name" name eth0
    inside=eth0
    ip -n "$ns" addr add "$addr/24" dev "$inside"
    ip -n "$ns" link set "$inside" up
    ip -n "$ns" link set lo up
  else
    ip link show "$name" >/dev/null 2>&1 && return 0
    ip link add "$name" type veth peer name "$peer" netns "$SWITCH_NS"
    ip addr add "$addr/24" dev "$name"
    ip link set "$name" up
  fi
  ip -n "$SWITCH_NS" link set "$peer" master br0
  ip -n "$SWITCH_NS" link set "$peer" up
}

network_up() {
  ensure_ns "$SWITCH_NS"
  if ! ip -n "$SWITCH_NS" link show br0 >/dev/null 2>&1; then
    ip -n "$SWITCH_NS" link add br0 type bridge
    ip -n "$SWITCH_NS" link set br0 up
  fi
  ensure_leg "" bsw-host "$HOST_ADDR"
  ensure_ns "$REG_NS"
  ensure_leg "$REG_NS" bsw-reg "$REG_ADDR"
  local n
  for n in "${NODES[@]}"; do
    ensure_ns "$(node_ns "$n")"
    ensure_leg "$(node_ns "$n")" "bsw-n$n" "$(node_addr "$n")"
  done
}

# ---------------------------------------------------------------- registry

registry_up() {
  local dir=$LAB/registry pidfile=$LAB/registry/registry.pid bin
  if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  bin=$(registry_binary)
  mkdir -p "$dir/storage"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: $REG_ADDR:80
EOF
  nsenter --net="/run/netns/$REG_NS" -- "$bin" serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  echo $! >"$pidfile"
  wait_for "registry" 20 registry_answers
}

registry_answers() { curl -fsS -o /dev/null --max-time 2 "http://$REG_ADDR/v2/" 2>/dev/null; }

# ---------------------------------------------------------------- nodes

node_running() {
  local pidfile
  pidfile=$(node_dir "$1")/dockerd.pid
  [[ -s $pidfile ]] || pidfile=$(node_dir "$1")/launch.pid
  [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

node_answers() { ndocker "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

node_up() {
  local n=$1 dir
  dir=$(node_dir "$n")
  node_running "$n" && return 0
  mkdir -p "$dir/data" "$dir/exec" "$dir/cgroup-aside"
  local registries="" mirror="http://$REG_ADDR" r
  for r in "$REG_ADDR" "${ALIASED_REGISTRIES[@]}"; do registries+="\"$r\","; done
  # Every daemon setting is on this file or the command line: the host's daemon.json is never read.
  printf '{"insecure-registries": [%s], "registry-mirrors": ["%s"]}\n' "${registries%,}" "$mirror" >"$dir/daemon.json"
  { printf '127.0.0.1 localhost\n%s node%s\n' "$(node_addr "$n")" "$n"
    for r in "${ALIASED_REGISTRIES[@]}"; do printf '%s %s\n' "$REG_ADDR" "$r"; done; } >"$dir/hosts"
  # `ip netns exec` remounts /sys and dockerd then finds no devices cgroup: instead a fresh
  # sysfs (this namespace's devices) with the host's cgroup tree moved back under it.
  # /run/containerd is hidden so dockerd starts its own containerd, never the host's.
  nsenter --net="/run/netns/$(node_ns "$n")" -- unshare --mount --uts --propagation slave -- /bin/sh -c '
    set -e
    hostname "node$1"
    mount --rbind /sys/fs/cgroup "$2/cgroup-aside"
    mount -t sysfs sysfs /sys
    mount --move "$2/cgroup-aside" /sys/fs/cgroup
    mount --bind "$2/hosts" /etc/hosts
    mkdir -p /run/containerd && mount -t tmpfs tmpfs /run/containerd
    shift 2
    exec "$@"' swarm-node "$n" "$dir" \
    dockerd \
    --data-root "$dir/data" --exec-root "$dir/exec" \
    -H "$(node_sock "$n")" --pidfile "$dir/dockerd.pid" --config-file "$dir/daemon.json" \
    --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$NS-n$n" \
    --swarm-default-advertise-addr "$(node_addr "$n")" --shutdown-timeout 2 \
    >"$dir/dockerd.log" 2>&1 &
  # nsenter, unshare and sh exec one another: this is dockerd's pid. dockerd writes its own
  # pid file once up (and refuses a file naming a live process), so this one is separate.
  echo $! >"$dir/launch.pid"
}

swarm_up() {
  local state
  state=$(ndocker 1 info --format '{{.Swarm.LocalNodeState}}')
  if [[ $state != active ]]; then
    ndocker 1 swarm init --advertise-addr "$(node_addr 1)" --default-addr-pool "$ADDR_POOL" \
      --default-addr-pool-mask-length 24 >/dev/null
  fi
  local token n
  token=$(ndocker 1 swarm join-token -q worker)
  for n in "${NODES[@]:1}"; do
    state=$(ndocker "$n" info --format '{{.Swarm.LocalNodeState}}')
    [[ $state == active ]] && continue
    # A node left over from an earlier swarm (its manager's data was wiped) leaves it first.
    [[ $state == inactive ]] || ndocker "$n" swarm leave --force >/dev/null 2>&1 || true
    ndocker "$n" swarm join --token "$token" "$(node_addr 1):2377" >/dev/null
  done
  wait_for "${#NODES[@]} Ready nodes" 60 all_nodes_ready
}

all_nodes_ready() {
  [[ $(ndocker 1 node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$') -ge ${#NODES[@]} ]]
}

# ---------------------------------------------------------------- images

# Each image under its own name in the lab's registry, pushed through node 1; a second start
# pushes only what changed (the registry's digest is compared with node 1's).
images_up() {
  local missing=() img
  for img in "${IMAGES[@]}"; do
    docker -H "$HOST_DOCKER" image inspect "$img" >/dev/null 2>&1 || missing+=("$img")
  done
  [[ ${#missing[@]} -eq 0 ]] || die "images missing on the host daemon: ${missing[*]} (run: bash scripts/images.sh)"
  docker -H "$HOST_DOCKER" save "${IMAGES[@]}" | ndocker 1 load -q >/dev/null
  # A bad image: it exists and pulls, and its tasks exit at once (what a failed update rolls back from).
  ndocker 1 rm -f berth-broken-src >/dev/null 2>&1 || true
  ndocker 1 create --name berth-broken-src tomcat:latest >/dev/null
  ndocker 1 commit --change 'CMD ["/bin/sh", "-c", "echo broken on purpose >&2; exit 3"]' berth-broken-src "$BROKEN_IMAGE" >/dev/null
  ndocker 1 rm berth-broken-src >/dev/null
  for img in "${IMAGES[@]}" "$BROKEN_IMAGE"; do
    local target=$img
    # A Docker Hub name is pushed to the mirror under its canonical path (library/ for official images).
    if ! is_aliased "$img"; then target=$REG_ADDR/$(hub_path "$img"); ndocker 1 tag "$img" "$target"; fi
    ndocker 1 push -q "$target" >/dev/null || die "push of $img to the lab registry failed (see $LAB/registry/registry.log)"
  done
}

is_aliased() {
  local r
  for r in "${ALIASED_REGISTRIES[@]}"; do [[ $1 == "$r"/* ]] && return 0; done
  return 1
}

hub_path() { [[ $1 == */* ]] && echo "$1" || echo "library/$1"; }

# ---------------------------------------------------------------- waits

wait_for() {
  local what=$1 seconds=$2 deadline
  shift 2
  deadline=$(($(date +%s) + seconds))
  until "$@"; do
    (($(date +%s) < deadline)) || die "$what not up after ${seconds}s"
    sleep 0.2
  done
}

# ---------------------------------------------------------------- stop

# pid files first (a graceful stop), then whatever still runs in the lab's namespaces or cgroups.
kill_pidfile() {
  local pidfile=$1 name=$2 pid
  [[ -s $pidfile ]] || return 0
  pid=$(tr -dc '0-9' <"$pidfile")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name"* ]]; then
    kill "$pid" 2>/dev/null || true
    echo "$pid"
  fi
}

wait_gone() {
  local deadline=$(($(date +%s) + $1)) pid
  shift
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && (($(date +%s) < deadline)); do sleep 0.1; done
  done
}

leftover_pids() {
  local n cg
  for n in "${NODES[@]}"; do
    ns_exists "$(node_ns "$n")" && ip netns pids "$(node_ns "$n")" 2>/dev/null || true
    # Task containers live in their own network namespaces, under the node's cgroup parent.
    for cg in /sys/fs/cgroup/pids/"$NS-n$n"; do
      [[ -d $cg ]] && find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null || true
    done
  done
  ns_exists "$REG_NS" && ip netns pids "$REG_NS" 2>/dev/null || true
}

stop_all() {
  local pids=() n p
  for n in "${NODES[@]}"; do
    p=$(kill_pidfile "$(node_dir "$n")/dockerd.pid" dockerd) && [[ -n $p ]] && pids+=("$p")
    p=$(kill_pidfile "$(node_dir "$n")/launch.pid" dockerd) && [[ -n $p ]] && pids+=("$p")
  done
  # The registry keeps nothing a graceful stop would save (its storage is deleted below): it
  # goes with the leftovers.
  [[ ${#pids[@]} -eq 0 ]] || wait_gone 15 "${pids[@]}"
  local left
  left=$(leftover_pids | sort -u | tr '\n' ' ')
  if [[ -n ${left// /} ]]; then
    # shellcheck disable=SC2086
    kill -9 $left 2>/dev/null || true
    sleep 0.3
  fi
  for n in "${NODES[@]}"; do
    # Empty cgroups the node daemons made (their parents are named after the lab).
    local cg
    for cg in /sys/fs/cgroup/*/"$NS-n$n"; do
      [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    ns_exists "$(node_ns "$n")" && ip netns del "$(node_ns "$n")"
  done
  ns_exists "$REG_NS" && ip netns del "$REG_NS"
  ip link show bsw-host >/dev/null 2>&1 && ip link del bsw-host
  ns_exists "$SWITCH_NS" && ip netns del "$SWITCH_NS"
  # Node mounts lived in their own mount namespaces; refuse to delete through one still here.
  if grep -q " $LAB/" /proc/self/mountinfo; then die "mounts under $LAB remain; not removing it"; fi
  rm -rf "$LAB"
}

# ---------------------------------------------------------------- commands

cmd_start() {
  need_tools
  local t0 t1
  t0=$(now_ms)
  mkdir -p "$LAB"
  network_up
  registry_up &
  local reg_job=$!
  local n
  for n in "${NODES[@]}"; do node_up "$n"; done
  for n in "${NODES[@]}"; do wait_for "dockerd of node$n (log: $(node_dir "$n")/dockerd.log)" 60 node_answers "$n"; done
  wait "$reg_job" || die "registry did not start (log: $LAB/registry/registry.log)"
  t1=$(now_ms)
  swarm_up
  local t2
  t2=$(now_ms)
  images_up
  local t3
  t3=$(now_ms)
  say "up in $(((t3 - t0)))ms (daemons+registry $((t1 - t0))ms, swarm $((t2 - t1))ms, images $((t3 - t2))ms)"
  cmd_env
}

cmd_stop() {
  local t0
  t0=$(now_ms)
  stop_all
  say "down in $(($(now_ms) - t0))ms"
}

cmd_status() {
  local n ok=0
  for n in "${NODES[@]}"; do
    if node_answers "$n"; then say "node$n: dockerd answers on $(node_sock "$n") ($(node_addr "$n"))"
    else say "node$n: down"; ok=1; fi
  done
  if registry_answers 2>/dev/null; then say "registry: http://$REG_ADDR/"; else say "registry: down"; ok=1; fi
  if node_answers 1; then ndocker 1 node ls 2>/dev/null || ok=1; fi
  return $ok
}

# What a test or a shell needs to talk to the lab, as KEY=VALUE lines a shell can eval.
cmd_env() {
  echo "DOCKER_HOST=$(node_sock 1)"
  echo "BERTH_SWARM_LAB_NODES='$(for n in "${NODES[@]}"; do printf '%s ' "$(node_addr "$n")"; done | sed 's/ $//')'"
  echo "BERTH_SWARM_LAB_SOCKETS='$(for n in "${NODES[@]}"; do printf '%s ' "$(node_sock "$n")"; done | sed 's/ $//')'"
  echo "BERTH_SWARM_LAB_REGISTRY=$REG_ADDR"
}

# A node cut off from the others (its link down), as the manager sees a node that died; `join`
# puts it back. Nothing else on the machine is touched.
cmd_cut() {
  local n=${1:?usage: $0 cut|join <node number>}
  ns_exists "$(node_ns "$n")" || die "no lab node $n"
  ip -n "$SWITCH_NS" link set "bsw-n$n-p" "$2"
  say "node$n: link $2"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  cut) cmd_cut "${2:-}" down ;;
  join) cmd_cut "${2:-}" up ;;
  *) echo "usage: $0 start|stop|status|env|cut N|join N" >&2; exit 2 ;;
esac
