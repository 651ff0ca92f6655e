#!/usr/bin/env bash
# Bundles one TypeScript benchmark with esbuild and runs it (no ts loader is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
src="$1"; shift
out="/tmp/berth-bench-$(basename "${src%.*}").mjs"
npx esbuild "$src" --bundle --platform=node --format=esm --outfile="$out" --jsx=automatic --log-level=warning \
  --external:cpu-features --external:ssh2 \
  --banner:js="import { createRequire } from 'module'; const require = createRequire(import.meta.url);"
node "$out" "$@"
