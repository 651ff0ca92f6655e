#!/usr/bin/env bash
# Bundles bench/tui-bench.tsx with esbuild (no TypeScript runner is installed) and runs it.
# React runs its production build, as it should in the bundled CLI. Ink imports
# react-devtools-core (not installed) from a module it loads only when DEV=true: an empty
# stand-in keeps the bundle loadable.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${TMPDIR:-/tmp}/berth-tui-bench.mjs"
OUT="$out" node --input-type=module - <<'JS'
import { build } from "esbuild";
await build({
  entryPoints: ["bench/tui-bench.tsx"],
  outfile: process.env.OUT,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  jsx: "automatic",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  plugins: [
    {
      name: "no-react-devtools",
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: "react-devtools-core", namespace: "stub" }));
        b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export default {};", loader: "js" }));
      },
    },
  ],
});
JS
# The same views on a 50-change plan (a screenful) first: the key figures should not depend on the plan's size.
BENCH_ONLY=plan BENCH_PLAN_SIZE=50 node ${NODE_FLAGS:-} "$out"
echo
node ${NODE_FLAGS:-} "$out"
