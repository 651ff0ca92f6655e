// Bundles the CLI into dist/berth.mjs: start-up time is a feature, and a bundle loads
// several times faster than the same modules resolved one file at a time.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/berth.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  splitting: false,
  sourcemap: false,
  logLevel: "warning",
  jsx: "automatic",
  define: { "process.env.BERTH_VERSION": JSON.stringify(pkg.version) },
  // Native or optional modules that dockerode's ssh transport may try to load.
  external: ["cpu-features", "ssh2"],
  banner: {
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);",
  },
});
