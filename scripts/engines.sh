#!/usr/bin/env bash
# Start, stop or report the real engines Berth is tested against:
#   dockerd (Debian docker.io), etcd (Debian etcd-server), nginx binary (Debian nginx).
# Idempotent: `start` only installs what is missing and only starts what does not answer.
# `stop` only ends processes this script started (the PIDs in its pid files).
#
#   bash scripts/engines.sh start|stop [etcd|dockerd]...|status
#
# Runs as root, with or without systemd (CI has none).
set -euo pipefail

STATE_DIR=${BERTH_ENGINES_DIR:-/tmp/berth-engines}
DOCKER_SOCK=/var/run/docker.sock
ETCD_URL=http://127.0.0.1:2379
ETCD_DATA=$STATE_DIR/etcd-data

# docker-compose (1.29) is the peer the compose-corpus test reads every file with, and the
# benchmarks measure against: the tests need it, so it is required like the engines.
# iproute2 (ip netns, veth, bridge): the swarm lab (scripts/swarm-lab.sh) the swarm e2e tests start;
# it also needs util-linux's nsenter/unshare and dpkg-deb, which every Debian has.
REQUIRED_PKGS=(docker.io etcd-server nginx libnginx-mod-stream busybox-static tmux curl openssl docker-compose iproute2)
OPTIONAL_PKGS=()

say() { printf 'engines: %s\n' "$*"; }
warn() { printf 'engines: WARNING: %s\n' "$*" >&2; }
die() { printf 'engines: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- packages

pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_BACKUP=""
POLICY_CREATED=0

# Debian's maintainer scripts start nginx/etcd/docker through invoke-rc.d; a policy-rc.d
# that exits 101 forbids that, so no packaged daemon grabs ports 80/2379 behind our back.
policy_block_services() {
  if [[ -e $POLICY_RC ]] && grep -qx 'exit 101' "$POLICY_RC"; then
    return 0 # already denies everything
  fi
  if [[ -e $POLICY_RC ]]; then
    POLICY_BACKUP=$(mktemp)
    cp -p "$POLICY_RC" "$POLICY_BACKUP"
  fi
  printf '#!/bin/sh\n# written by berth scripts/engines.sh during apt-get install\nexit 101\n' >"$POLICY_RC"
  chmod 755 "$POLICY_RC"
  POLICY_CREATED=1
}

policy_restore() {
  [[ $POLICY_CREATED == 1 ]] || return 0
  if [[ -n $POLICY_BACKUP ]]; then
    cp -p "$POLICY_BACKUP" "$POLICY_RC"
    rm -f "$POLICY_BACKUP"
  else
    rm -f "$POLICY_RC"
  fi
  POLICY_CREATED=0
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold "$@"
}

# Belt and braces: if a package's daemon started anyway (a policy we could not override),
# stop it through the pid file the package itself uses, and nothing else.
stop_packaged_daemon() {
  local name=$1 pidfile=$2 pid
  [[ -s $pidfile ]] || return 0
  pid=$(tr -dc '0-9' <"$pidfile")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name"* ]] || return 0
  say "stopping $name (pid $pid) started by its Debian package"
  kill "$pid" 2>/dev/null || true
}

ensure_packages() {
  local missing=() optional=() p
  # Recommends are skipped; dockerd needs apparmor_parser only where the kernel enables AppArmor
  if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]]; then
    REQUIRED_PKGS+=(apparmor)
  fi
  for p in "${REQUIRED_PKGS[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  for p in "${OPTIONAL_PKGS[@]}"; do pkg_installed "$p" || optional+=("$p"); done
  if ((${#missing[@]} == 0 && ${#optional[@]} == 0)); then
    say "packages: all present"
    return 0
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} ${optional[*]} by hand"

  trap policy_restore EXIT
  policy_block_services
  say "apt-get update (missing: $(echo ${missing[@]+"${missing[@]}"} ${optional[@]+"${optional[@]}"}))"
  apt-get update -q -o DPkg::Lock::Timeout=300 >"$STATE_DIR/apt-update.log" 2>&1 ||
    { tail -20 "$STATE_DIR/apt-update.log" >&2; die "apt-get update failed"; }
  if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt_install "${missing[@]}" >"$STATE_DIR/apt-install.log" 2>&1 ||
      { tail -30 "$STATE_DIR/apt-install.log" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
  if ((${#optional[@]})); then
    say "installing optional ${optional[*]}"
    apt_install "${optional[@]}" >"$STATE_DIR/apt-install-optional.log" 2>&1 ||
      warn "could not install ${optional[*]} (see $STATE_DIR/apt-install-optional.log); continuing"
  fi
  policy_restore
  trap - EXIT

  stop_packaged_daemon nginx /run/nginx.pid
  stop_packaged_daemon etcd /run/etcd.pid
}

# ---------------------------------------------------------------- daemons

# true if PID exists and is not a zombie (an orphaned daemon that died stays a zombie
# until PID 1 reaps it, and kill -0 still succeeds on it)
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [[ -n $state && $state != Z && $state != X ]]
}

# pid recorded by this script, if that process is still alive and still the same program
our_pid() {
  local name=$1 pidfile=$STATE_DIR/$1.pid pid
  [[ -s $pidfile ]] || return 1
  pid=$(tr -dc '0-9' <"$pidfile")
  if [[ -n $pid ]] && alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]]; then
    echo "$pid"
    return 0
  fi
  rm -f "$pidfile" # stale
  return 1
}

# start_daemon NAME PROBE TIMEOUT_S CMD [ARGS...]
#   If PROBE already passes, do nothing. Otherwise start CMD in the background in its own
#   session (log: $STATE_DIR/NAME.log, pid: $STATE_DIR/NAME.pid) unless our earlier copy is
#   still alive, then wait up to TIMEOUT_S for PROBE. Returns 1 if the daemon dies or the
#   probe keeps failing.
start_daemon() {
  local name=$1 probe=$2 timeout=$3
  shift 3
  local log=$STATE_DIR/$name.log pidfile=$STATE_DIR/$name.pid pid
  if $probe; then
    if pid=$(our_pid "$name"); then say "$name: already running (pid $pid)"; else say "$name: already answering (not started by this script)"; fi
    return 0
  fi
  if pid=$(our_pid "$name"); then
    say "$name: pid $pid alive but not answering yet; waiting"
  else
    say "$name: starting: $*"
    {
      printf '\n==== %s starting: %s\n' "$(date -Is)" "$*"
    } >>"$log"
    setsid "$@" >>"$log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pidfile"
  fi
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if $probe; then
      say "$name: ready (pid $pid, log $log)"
      return 0
    fi
    if ! alive "$pid"; then
      warn "$name exited before it answered; last lines of $log:"
      tail -15 "$log" >&2 || true
      rm -f "$pidfile"
      return 1
    fi
    sleep 0.3
  done
  warn "$name did not answer within ${timeout}s; last lines of $log:"
  tail -15 "$log" >&2 || true
  return 1
}

stop_daemon() {
  local name=$1 pid i
  if ! pid=$(our_pid "$name"); then
    say "$name: nothing to stop (no live pid recorded by this script)"
    return 0
  fi
  say "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do # up to 30 s: dockerd stops its containers first
    alive "$pid" || break
    sleep 0.3
  done
  if alive "$pid"; then
    warn "$name (pid $pid) ignored SIGTERM for 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE_DIR/$name.pid"
  say "$name: stopped"
}

# ---------------------------------------------------------------- probes

docker_probe() {
  curl -sf --max-time 2 --unix-socket "$DOCKER_SOCK" http://localhost/_ping 2>/dev/null | grep -q '^OK$'
}

etcd_probe() {
  curl -sf --max-time 2 "$ETCD_URL/health" 2>/dev/null | grep -q '"health":"true"'
}

docker_server_version() {
  curl -sf --max-time 2 --unix-socket "$DOCKER_SOCK" http://localhost/version 2>/dev/null |
    sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | head -1
}

# ---------------------------------------------------------------- engines

# dockerd refuses to start while /var/run/docker.pid names a process that exists, and an
# orphaned dockerd that was killed can linger as a zombie until PID 1 reaps it.
remove_stale_pidfile() {
  local f=$1 pid
  [[ -s $f ]] || return 0
  pid=$(tr -dc '0-9' <"$f")
  if [[ -z $pid ]] || ! alive "$pid"; then
    say "removing stale $f${pid:+ (pid $pid is gone)}"
    rm -f "$f"
  fi
}

start_dockerd() {
  command -v dockerd >/dev/null || die "dockerd not found (package docker.io)"
  if ! docker_probe; then
    remove_stale_pidfile /var/run/docker.pid
    remove_stale_pidfile /var/run/docker/containerd/containerd.pid
  fi
  local log=$STATE_DIR/dockerd.log offset=0
  [[ -f $log ]] && offset=$(stat -c %s "$log")
  # dockerd starts its own containerd (/var/run/docker/containerd) when none is configured.
  if start_daemon dockerd docker_probe 60 dockerd; then return 0; fi

  # Most likely failure on a bare VM: the nf_tables backend of iptables is unusable.
  # Docker needs iptables for published ports, so switch to the legacy backend and retry.
  if tail -c +$((offset + 1)) "$log" | grep -qiE 'iptables|nf_tables|nftables|ip6tables' &&
    [[ $(readlink /etc/alternatives/iptables 2>/dev/null) != /usr/sbin/iptables-legacy ]] &&
    [[ -x /usr/sbin/iptables-legacy ]]; then
    warn "dockerd failed on iptables; switching to iptables-legacy and retrying"
    update-alternatives --set iptables /usr/sbin/iptables-legacy
    [[ -x /usr/sbin/ip6tables-legacy ]] && update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy || true
    start_daemon dockerd docker_probe 60 dockerd && return 0
  fi
  die "could not start dockerd (log: $STATE_DIR/dockerd.log)"
}

start_etcd() {
  command -v etcd >/dev/null || die "etcd not found (package etcd-server)"
  mkdir -p "$ETCD_DATA"
  chmod 700 "$ETCD_DATA"
  start_daemon etcd etcd_probe 30 etcd \
    --name berth \
    --data-dir "$ETCD_DATA" \
    --listen-client-urls "$ETCD_URL" \
    --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls http://127.0.0.1:2380 \
    --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster berth=http://127.0.0.1:2380 \
    --logger zap ||
    die "could not start etcd (log: $STATE_DIR/etcd.log)"
}

check_nginx() {
  [[ -x /usr/sbin/nginx ]] || die "/usr/sbin/nginx missing (package nginx)"
  say "nginx: $(/usr/sbin/nginx -v 2>&1 | sed 's/^nginx version: //') at /usr/sbin/nginx (Berth runs its own master)"
}

# Everything installed and answering: what `npm test` finds on a machine already set up, where
# it may run as a user who could not install or start anything (and needs not).
all_ready() {
  local p
  for p in "${REQUIRED_PKGS[@]}"; do pkg_installed "$p" || return 1; done
  docker_probe && etcd_probe && [[ -x /usr/sbin/nginx ]]
}

cmd_start() {
  if [[ $(id -u) != 0 ]]; then
    all_ready || die "run as root (something is missing or not answering: this installs packages and starts dockerd and etcd)"
    say "engines ready (all installed and answering; not root, so nothing else checked)"
    return 0
  fi
  mkdir -p "$STATE_DIR"
  ensure_packages
  start_dockerd
  local v
  v=$(docker_server_version)
  say "docker: server $v (client: $(docker version --format '{{.Client.Version}}' 2>/dev/null || echo '?'))"
  start_etcd
  check_nginx
  say "engines ready"
}

cmd_stop() {
  local name
  (($#)) || set -- etcd dockerd
  for name in "$@"; do
    case $name in
    etcd | dockerd) stop_daemon "$name" ;;
    *) die "unknown engine '$name' (etcd, dockerd)" ;;
    esac
  done
}

cmd_status() {
  local pid rc=0
  if docker_probe; then
    pid=$(our_pid dockerd) && pid="pid $pid" || pid="not started by this script"
    say "dockerd: running, server $(docker_server_version) ($pid)"
  else
    say "dockerd: not answering on $DOCKER_SOCK"
    rc=1
  fi
  if etcd_probe; then
    pid=$(our_pid etcd) && pid="pid $pid" || pid="not started by this script"
    say "etcd: healthy at $ETCD_URL ($pid)"
  else
    say "etcd: not answering at $ETCD_URL"
    rc=1
  fi
  if [[ -x /usr/sbin/nginx ]]; then
    say "nginx: $(/usr/sbin/nginx -v 2>&1 | sed 's/^nginx version: //') installed"
  else
    say "nginx: not installed"
    rc=1
  fi
  if command -v docker-compose >/dev/null; then
    say "docker-compose: $(docker-compose version --short 2>/dev/null || echo present)"
  else
    say "docker-compose: not installed (optional)"
  fi
  return $rc
}

case ${1:-} in
start) cmd_start ;;
stop) shift; cmd_stop "$@" ;;
status) cmd_status ;;
*)
  echo "usage: $0 start | stop [etcd|dockerd]... | status" >&2
  exit 2
  ;;
esac
