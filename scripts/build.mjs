// Bundles the CLI into dist/berth.mjs: start-up time is a feature, and a bundle loads
// several times faster than the same modules resolved one file at a time.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/**
 * dockerode loads gRPC and protobuf at start-up for BuildKit sessions, which Berth never
 * opens (it builds with the classic builder): a third of a second on every command.
 * Replace that one module with a stub that says so if it is ever reached.
 */
const noBuildkitSession = {
  name: "no-buildkit-session",
  setup(b) {
    b.onResolve({ filter: /^\.\/session$/ }, (args) =>
      args.importer.includes(`${"node_modules"}/dockerode/`) ? { path: "dockerode-session", namespace: "berth-stub" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "berth-stub" }, () => ({
      contents: "module.exports = function () { throw new Error('BuildKit sessions are not supported by Berth'); };",
      loader: "js",
    }));
  },
};

await build({
  plugins: [noBuildkitSession],
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
  external: ["cpu-features", "ssh2", "etcd3"], // etcd3 reads its .proto files beside itself at run time: load it from node_modules
  banner: {
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    // and some read __filename/__dirname, which ESM does not define.
    js: [
      "import { createRequire as __berthRequire } from 'node:module';",
      "import { fileURLToPath as __berthFileURLToPath } from 'node:url';",
      "import { dirname as __berthDirname } from 'node:path';",
      "const require = __berthRequire(import.meta.url);",
      "const __filename = __berthFileURLToPath(import.meta.url);",
      "const __dirname = __berthDirname(__filename);",
    ].join(" "),
  },
});
