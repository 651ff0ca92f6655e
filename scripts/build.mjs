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
    // Nor does it reach Docker over ssh: docker-modem loads ssh2 eagerly for that.
    b.onResolve({ filter: /^ssh2$/ }, () => ({ path: "ssh2", namespace: "berth-stub" }));
    b.onResolve({ filter: /^\.\/session$/ }, (args) =>
      args.importer.includes(`${"node_modules"}/dockerode/`) ? { path: "dockerode-session", namespace: "berth-stub" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "berth-stub" }, (args) => ({
      contents:
        args.path === "ssh2"
          ? "module.exports = { Client: function () { throw new Error('DOCKER_HOST=ssh:// is not supported by Berth'); } };"
          : "module.exports = function () { throw new Error('BuildKit sessions are not supported by Berth'); };",
      loader: "js",
    }));
  },
};

/** Ink imports react-devtools-core only when DEV=true; it is not installed, so an empty stand-in. */
const noReactDevtools = {
  name: "no-react-devtools",
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: "react-devtools-core", namespace: "berth-stub" }));
    b.onLoad({ filter: /^react-devtools-core$/, namespace: "berth-stub" }, () => ({ contents: "export default {};", loader: "js" }));
  },
};

const common = commonOptions();

await build({
  ...common,
  plugins: [noBuildkitSession],
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/berth.mjs",
});

// The terminal views are a bundle of their own, imported only when a view is shown:
// Ink and React would otherwise be parsed on every command.
await build({
  ...common,
  plugins: [noReactDevtools],
  entryPoints: ["src/tui/run-tui.ts"],
  outfile: "dist/tui.mjs",
  define: { ...common.define, "process.env.NODE_ENV": '"production"' },
});

function commonOptions() {
  return {
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    splitting: false,
    sourcemap: false,
    minify: true,
    keepNames: true,
    logLevel: "warning",
    jsx: "automatic",
    define: { "process.env.BERTH_VERSION": JSON.stringify(pkg.version) },
    // Native or optional modules that dockerode's ssh transport may try to load.
    // etcd3 reads its .proto files beside itself at run time: it loads from node_modules.
    external: ["cpu-features", "ssh2", "etcd3"],
    banner: {
      // CommonJS dependencies bundled into ESM still call require() for Node built-ins,
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
  };
}
