import path from "node:path";
import { isMap, isScalar } from "yaml";
import { readKeyValues } from "./key-values.js";
import { readHostIps } from "./keys-references.js";
import type { KeyReader } from "./service-draft.js";
import type { BuildSpec, PullPolicy } from "./types.js";
import type { LoadContext, YamlNode } from "./load-context.js";
import type { SourceLoc } from "../core/errors.js";
import { describe, mapEntries, scalarText } from "./yaml-nodes.js";

/** The build keys the engine's classic builder carries out. Any other is refused, never ignored. */
const BUILD_KEYS = ["context", "dockerfile", "dockerfile_inline", "args", "target", "labels", "network", "shm_size", "extra_hosts"];

/** `at`: the node that names the context; its file's folder is what a relative context is relative to. */
function emptyBuild(ctx: LoadContext, context: string, at: YamlNode): BuildSpec {
  return { context, contextDir: path.resolve(ctx.dirOf(at).dir, context), dockerfile: null, dockerfileInline: null, args: {}, target: null, labels: {}, network: null, shmSize: null, extraHosts: [] };
}

/** `build:` a context path, or a map of the keys in BUILD_KEYS. */
export const readBuild: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  const asText = scalarText(value);
  if (typeof asText === "string" && asText !== "") {
    if (checkContext(ctx, asText, input.valueLoc)) draft.spec.build = emptyBuild(ctx, asText, value);
    return;
  }
  if (!isMap(value)) {
    ctx.error("E_TYPE", `build must be a context path or a map with ${BUILD_KEYS.join(", ")}; got ${describe(value)}`, input.valueLoc);
    return;
  }
  const build = emptyBuild(ctx, ".", value);
  let dockerfileLoc: SourceLoc | null = null;
  for (const entry of mapEntries(ctx, value)) {
    const text = scalarText(entry.value);
    const needText = (what: string): string | null => {
      if (text !== undefined && text !== "") return text;
      ctx.error("E_TYPE", `build.${entry.key} must be ${what}, got ${describe(entry.value)}`, entry.valueLoc);
      return null;
    };
    switch (entry.key) {
      case "context": {
        const context = needText("a path");
        if (context !== null && checkContext(ctx, context, entry.valueLoc)) Object.assign(build, { context, contextDir: path.resolve(ctx.dirOf(entry.value).dir, context) });
        break;
      }
      case "dockerfile":
        build.dockerfile = needText("a path");
        dockerfileLoc ??= entry.keyLoc;
        break;
      case "dockerfile_inline":
        build.dockerfileInline = needText("the Dockerfile's text");
        dockerfileLoc ??= entry.keyLoc;
        break;
      case "target":
        build.target = needText("a stage name");
        break;
      case "network":
        build.network = needText("a network name (host, none, default)");
        break;
      case "shm_size":
        build.shmSize = readSize(ctx, entry.value, entry.valueLoc);
        break;
      case "args":
        for (const arg of readKeyValues(ctx, "build.args", entry.value, entry.valueLoc)) {
          build.args[arg.key] = arg.value ?? ctx.settings.env[arg.key] ?? "";
        }
        break;
      case "labels":
        for (const label of readKeyValues(ctx, "build.labels", entry.value, entry.valueLoc)) build.labels[label.key] = label.value ?? "";
        break;
      case "extra_hosts":
        build.extraHosts = readHostIps(ctx, "build.extra_hosts", entry.value, entry.valueLoc).map((h) => `${h.host}:${h.ip}`).sort();
        break;
      default:
        ctx.error(
          "E_BUILD_KEY",
          `build.${entry.key} is not supported by Berth (it builds with the engine's classic builder, which knows ${BUILD_KEYS.join(", ")}); remove it`,
          entry.keyLoc,
        );
    }
  }
  if (build.dockerfile !== null && build.dockerfileInline !== null && dockerfileLoc) {
    ctx.error("E_BUILD_KEY", "build.dockerfile and build.dockerfile_inline cannot both be set", dockerfileLoc);
  }
  draft.spec.build = build;
};

/** A Git URL or a remote tarball would need the engine to fetch it: only local folders are digested. */
function checkContext(ctx: LoadContext, context: string, loc: SourceLoc): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(context) || /^git@/.test(context)) {
    ctx.error("E_BUILD_CONTEXT", `build context '${context}' is a URL: Berth builds from a local folder only (it digests the files to plan rebuilds)`, loc);
    return false;
  }
  return true;
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** compose's byte sizes: 67108864, "64m", "1gb", "512k". */
export function parseByteSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return null;
  return Math.round(Number(m[1]) * unit);
}

function readSize(ctx: LoadContext, node: YamlNode, loc: SourceLoc): number | null {
  const text = isScalar(node) ? scalarText(node) : undefined;
  const size = text === undefined ? null : parseByteSize(text);
  if (size === null) ctx.error("E_TYPE", `build.shm_size must be a size like 67108864, '64m' or '1gb', got ${describe(node)}`, loc);
  return size;
}

const PULL_POLICIES: Record<string, PullPolicy> = { always: "always", missing: "missing", if_not_present: "missing", never: "never", build: "build" };

/** `pull_policy:` always, missing (if_not_present), never, build. Checked against `build:` once the service is read. */
export const readPullPolicy: KeyReader = (input, draft) => {
  const text = scalarText(input.value);
  const policy = text === undefined ? undefined : PULL_POLICIES[text];
  if (!policy) {
    input.ctx.error("E_PULL_POLICY", `pull_policy must be always, missing, if_not_present, never or build, got ${describe(input.value)}`, input.valueLoc);
    return;
  }
  draft.spec.pullPolicy = policy;
};
