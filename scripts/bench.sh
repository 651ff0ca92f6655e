#!/usr/bin/env bash
# Berth's figures, printed (not asserted): plan speed and memory, apply beside docker-compose,
# and the terminal UI. Needs the engines and demo images (started and built here).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/berth.mjs ] || node scripts/build.mjs

echo "== 1. plan: 1,000 services x aliyun.scale 10, 1% changed"
bash bench/run-ts.sh bench/plan-bench.ts

echo "== 2. CLI start-up"
for i in 1 2 3 4 5; do /usr/bin/time -f "%e" node bin/berth.mjs --version 2>&1 >/dev/null; done | sort -n | sed -n 3p | awk '{ printf "berth --version: median %.0f ms\n", $1 * 1000 }'

echo "== 3. apply beside docker-compose 1.29"
bash scripts/engines.sh start >/dev/null
bash scripts/images.sh >/dev/null
bash bench/apply-vs-compose.sh

echo "== 4. rolling update under load beside docker-compose + nginx"
bash bench/rolling-vs-compose.sh

echo "== 5. discovery propagation (docker → agent → etcd → sync → nginx)"
bash bench/run-ts.sh bench/propagation.ts

echo "== 6. terminal UI"
bash bench/run-tui-bench.sh
