#!/usr/bin/env bash
# Failed requests while the image of 3 routed replicas changes under load (hey, 20 concurrent,
# loopback only): Berth's rolling update through its router, beside docker-compose 1.29
# recreating the containers behind a fixed nginx (the nginx:latest demo image, proxying to
# web:8080 through the compose network's DNS). Also the time from the start of the update to
# the new version answering everything (20 consecutive answers say version=2).
# Needs the engines and the demo images (npm run engines, npm run images).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REQUESTS="${BENCH_REQUESTS:-6000}"
CONCURRENCY="${BENCH_CONCURRENCY:-20}"
[ -f dist/berth.mjs ] || node scripts/build.mjs >/dev/null

if ! command -v hey >/dev/null; then
  echo "installing hey (Debian package)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hey >/dev/null
fi
if ! command -v docker-compose >/dev/null; then echo "docker-compose is not installed: run npm run engines" >&2; exit 1; fi

work=$(mktemp -d)
tag="$$$(date +%s | tail -c 5)"
bproject="benchroll${tag}"
cproject="benchrollc${tag}"
vhost="${bproject}.localhost"
# A router of its own (own folder and port): the figures do not depend on other projects'
# reloads of the shared one, and the bench stops exactly the nginx it started.
export BERTH_ROUTER_DIR="$work/router"
router_port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
export BERTH_ROUTER_LISTEN="127.0.0.1:${router_port}"
export BERTH_STOP_TIMEOUT=1 NO_COLOR=1
pids=()

berth() { node "$ROOT/bin/berth.mjs" "$@" -f "$work/berth/docker-compose.yml" -p "$bproject"; }
compose() { WEB_TAG="${WEB_TAG:-1}" docker-compose -f "$work/compose/docker-compose.yml" -p "$cproject" "$@"; }

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  berth destroy --auto-approve >/dev/null 2>&1 || true
  compose down -t 1 >/dev/null 2>&1 || true
  # The private router: only the master named in its pid file, and only if it is that router's.
  if [ -f "$BERTH_ROUTER_DIR/nginx.pid" ]; then
    pid=$(cat "$BERTH_ROUTER_DIR/nginx.pid")
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "nginx: master process .*$BERTH_ROUTER_DIR"; then kill -QUIT "$pid" 2>/dev/null || true; fi
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

mkdir -p "$work/berth" "$work/compose"
berth_template() {
  cat >"$work/berth/docker-compose.yml" <<YAML
web:
  image: berth/web:$1
  expose: ['8080']
  labels:
    aliyun.scale: '3'
    aliyun.routing.port_8080: 'http://${vhost}'
YAML
}
cat >"$work/compose/docker-compose.yml" <<'YAML'
version: "2.4"
services:
  web:
    image: berth/web:${WEB_TAG}
    scale: 3
  proxy:
    image: nginx:latest
    ports: ['127.0.0.1::80']
    volumes: ['./proxy.conf:/etc/nginx/conf.d/default.conf:ro']
YAML
# The same retry policy as Berth's router; Docker's DNS is asked again every second, so the
# proxy follows the recreated containers (a plain `proxy_pass http://web:8080` would keep the
# addresses it resolved at start-up).
cat >"$work/compose/proxy.conf" <<'NGINX'
server {
    listen 80 default_server;
    resolver 127.0.0.11 valid=1s ipv6=off;
    location / {
        set $backend web;
        proxy_pass http://$backend:8080;
        proxy_set_header Host $http_host;
        proxy_connect_timeout 2s;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 3;
    }
}
NGINX

now() { date +%s.%N; }

# Polls url (with Host header) until 20 consecutive answers say version=2; writes the time the
# first of them was sent to $3.
poll_version2() {
  local url=$1 host=$2 out=$3 streak=0 first="" t body
  while :; do
    t=$(now)
    body=$(curl -s -m 2 -H "Host: $host" "$url" || true)
    if [[ $body == *"version=2"* ]]; then
      [ "$streak" -eq 0 ] && first=$t
      streak=$((streak + 1))
      if [ "$streak" -ge 20 ]; then echo "$first" >"$out"; return 0; fi
    else
      streak=0
    fi
  done
}

# Waits until url answers version=1 (deadline 60 s).
wait_version1() {
  local url=$1 host=$2 deadline=$((SECONDS + 60))
  until curl -s -m 2 -H "Host: $host" "$url" | grep -q "version=1"; do
    if [ "$SECONDS" -gt "$deadline" ]; then echo "$url (Host: $host) never answered version=1" >&2; return 1; fi
    sleep 0.2
  done
}

# "failed total" from hey's summary: non-200 responses plus errors.
hey_failures() {
  awk '
    /^Status code distribution:/ { section = "status"; next }
    /^Error distribution:/ { section = "error"; next }
    section == "status" && match($0, /\[[0-9]+\][ \t]+[0-9]+ responses/) {
      split(substr($0, RSTART, RLENGTH), f, /[][ \t]+/); code = f[2]; n = f[3]
      total += n; if (code != 200) failed += n; next
    }
    section == "error" && match($0, /^[ \t]*\[[0-9]+\]/) {
      n = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", n); total += n; failed += n; next
    }
    END { printf "%d %d\n", failed, total }
  ' "$1"
}

# One run: load on url, `update` (a command) 1 s into it, then wait for hey and the poller.
# Prints "failed total seconds-to-version-2 update-finished-before-hey(yes/no)".
measure() {
  local name=$1 url=$2 host=$3
  shift 3
  hey -n "$REQUESTS" -c "$CONCURRENCY" -host "$host" "$url" >"$work/$name.hey" 2>&1 &
  local hey_pid=$!
  pids+=("$hey_pid")
  sleep 1
  local t0
  t0=$(now)
  poll_version2 "$url" "$host" "$work/$name.v2" &
  local poll_pid=$!
  pids+=("$poll_pid")
  "$@" >"$work/$name.update" 2>&1 || { echo "$name: the update failed:" >&2; cat "$work/$name.update" >&2; exit 1; }
  local during=no
  kill -0 "$hey_pid" 2>/dev/null && during=yes
  wait "$hey_pid"
  local deadline=$((SECONDS + 60))
  while [ ! -s "$work/$name.v2" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  kill "$poll_pid" 2>/dev/null || true
  wait "$poll_pid" 2>/dev/null || true
  pids=()
  local v2=NaN
  [ -s "$work/$name.v2" ] && v2=$(awk -v a="$t0" -v b="$(cat "$work/$name.v2")" 'BEGIN { printf "%.1f", b - a }')
  echo "$(hey_failures "$work/$name.hey") $v2 $during"
}

# (a) Berth: 3 replicas on berth/web:1 behind its router, then berth/web:2.
berth_template 1
berth apply --auto-approve >"$work/berth-apply1" 2>&1 || { cat "$work/berth-apply1" >&2; exit 1; }
berth_url="http://${BERTH_ROUTER_LISTEN}/"
wait_version1 "$berth_url" "$vhost"
berth_update() { berth_template 2 && berth apply --auto-approve; }
measure berth "$berth_url" "$vhost" berth_update >"$work/berth.result"
read -r b_failed b_total b_v2 b_during <"$work/berth.result"

# (b) docker-compose 1.29: 3 replicas behind a fixed nginx, then the image changed and `up -d`.
WEB_TAG=1 compose up -d >"$work/compose-up1" 2>&1 || { cat "$work/compose-up1" >&2; exit 1; }
proxy_port=$(compose port proxy 80 | awk -F: '{ print $NF }')
compose_url="http://127.0.0.1:${proxy_port}/"
wait_version1 "$compose_url" localhost
compose_update() { WEB_TAG=2 compose up -d -t 1; }
measure compose "$compose_url" localhost compose_update >"$work/compose.result"
read -r c_failed c_total c_v2 c_during <"$work/compose.result"

for run in berth:$b_during compose:$c_during; do
  [ "${run#*:}" = yes ] || echo "note: ${run%%:*}'s update finished after hey's last request; raise BENCH_REQUESTS" >&2
done
if [ -n "${BENCH_VERBOSE:-}" ]; then
  for f in berth compose; do echo "== hey ($f)"; sed -n '/Summary:/,/Requests\/sec/p;/Status code/,$p' "$work/$f.hey"; done
fi
printf 'rolling update under load: berth %s failed / %s requests, new version everywhere after %s s; docker-compose+nginx %s failed / %s requests, after %s s\n' \
  "$b_failed" "$b_total" "$b_v2" "$c_failed" "$c_total" "$c_v2"
