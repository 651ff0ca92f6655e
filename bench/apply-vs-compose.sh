#!/usr/bin/env bash
# Apply 50 containers from nothing and a no-op apply on them: Berth beside docker-compose 1.29,
# same image, same published ports, in one run. Prints both times and the ratios.
# Targets: from nothing Berth ≤ 0.7× compose; no-op Berth ≥ 3× faster.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${BENCH_CONTAINERS:-50}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/berth" "$work/compose"
cat > "$work/berth/docker-compose.yml" <<YAML
web:
  image: berth/web:1
  ports: ['8080']
  labels:
    aliyun.scale: '$N'
YAML
cat > "$work/compose/docker-compose.yml" <<YAML
version: "2.4"
services:
  web:
    image: berth/web:1
    ports: ['127.0.0.1::8080']
YAML

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); awk "BEGIN { print $t1 - $t0 }"; }
calc() { awk "BEGIN { print $1 }"; }
berth() { node "$PWD/bin/berth.mjs" "$@" -f "$work/berth/docker-compose.yml" -p benchberth --no-tui; }
compose() { docker-compose -f "$work/compose/docker-compose.yml" -p benchcompose "$@"; }

if ! command -v docker-compose >/dev/null; then echo "docker-compose is not installed: run npm run engines"; exit 1; fi
cleanup() { berth destroy --auto-approve >/dev/null 2>&1 || true; compose down -t 1 >/dev/null 2>&1 || true; }
cleanup

b_up=$(seconds berth apply --auto-approve --parallelism 10)
c_up=$(seconds compose up -d --scale web="$N")
b_noop=$(seconds berth apply --auto-approve)
c_noop=$(seconds compose up -d --scale web="$N")
running=$(docker ps -q --filter label=berth.project=benchberth | wc -l)
cleanup

ratio_up=$(awk "BEGIN { printf \"%.2f\", $b_up / $c_up }")
ratio_noop=$(awk "BEGIN { printf \"%.1f\", $c_noop / $b_noop }")
printf 'apply %s containers from nothing: berth %.2f s, docker-compose %.2f s, ratio %s (target ≤ 0.70: %s)\n' \
  "$N" "$b_up" "$c_up" "$ratio_up" "$(calc "($ratio_up <= 0.7) ? \"ok\" : \"MISSED\"")"
printf 'no-op apply on %s containers: berth %.2f s, docker-compose %.2f s, berth %s× faster (target ≥ 3: %s)\n' \
  "$running" "$b_noop" "$c_noop" "$ratio_noop" "$(calc "($ratio_noop >= 3) ? \"ok\" : \"MISSED\"")"
