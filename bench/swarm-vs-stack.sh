#!/usr/bin/env bash
# Apply of N replicas (default 30) to convergence on the 3-node swarm lab: `berth apply --engine
# swarm` (returns once every task runs) beside `docker stack deploy` plus polling until every
# task runs, same template, same run, ROUNDS rounds alternating which goes first.
# Needs the demo images (npm run images); starts the lab if it is not up and then stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPLICAS="${BENCH_REPLICAS:-30}"
ROUNDS="${BENCH_ROUNDS:-2}"
[ -f dist/berth.mjs ] || node scripts/build.mjs >/dev/null

lab_was_up=0
bash scripts/swarm-lab.sh status >/dev/null 2>&1 && lab_was_up=1
eval "$(bash scripts/swarm-lab.sh start | grep '^DOCKER_HOST=')"
export DOCKER_HOST
work=$(mktemp -d)
cleanup() {
  docker stack rm "benchstack$$" >/dev/null 2>&1 || true
  (cd "$work" && node "$ROOT/bin/berth.mjs" destroy --engine swarm -p "benchberth$$" --auto-approve --no-tui >/dev/null 2>&1) || true
  [ "$lab_was_up" = 1 ] || bash scripts/swarm-lab.sh stop >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/docker-compose.yml" <<EOF
version: "3.8"
services:
  web:
    image: berth/web:1
    deploy:
      replicas: ${REPLICAS}
      endpoint_mode: dnsrr
EOF

now_ms() { date +%s%3N; }
running() { docker service ps "$1" --filter desired-state=running --format '{{.CurrentState}}' | grep -c '^Running' || true; }

berth_round() {
  local t0 t1
  t0=$(now_ms)
  (cd "$work" && node "$ROOT/bin/berth.mjs" apply --engine swarm -p "benchberth$$" --auto-approve --no-tui >/dev/null)
  t1=$(now_ms)
  [ "$(running "benchberth$$_web")" -eq "$REPLICAS" ] || { echo "berth returned before $REPLICAS tasks ran" >&2; exit 1; }
  echo "berth apply --engine swarm: $((t1 - t0)) ms to $REPLICAS running tasks"
  (cd "$work" && node "$ROOT/bin/berth.mjs" destroy --engine swarm -p "benchberth$$" --auto-approve --no-tui >/dev/null)
}

stack_round() {
  local t0 t1
  t0=$(now_ms)
  docker stack deploy --detach=true -c "$work/docker-compose.yml" "benchstack$$" >/dev/null 2>&1
  until [ "$(running "benchstack$$_web")" -eq "$REPLICAS" ]; do sleep 0.2; done
  t1=$(now_ms)
  echo "docker stack deploy + wait: $((t1 - t0)) ms to $REPLICAS running tasks"
  docker stack rm "benchstack$$" >/dev/null
  # The stack's network goes once its tasks have stopped: the next round starts clean.
  while docker network ls --format '{{.Name}}' | grep -q "^benchstack$$_"; do sleep 0.5; done
}

for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then berth_round; stack_round; else stack_round; berth_round; fi
done
