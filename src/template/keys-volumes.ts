import path from "node:path";
import { isMap, isSeq, type YAMLMap } from "yaml";
import type { LoadContext, YamlNode } from "./load-context.js";
import type { KeyReader } from "./service-draft.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems, type MapEntry } from "./yaml-nodes.js";

/**
 * `volumes:` short strings are kept exactly as written (the Docker provider hands them to
 * the engine). The long form {type, source, target, read_only} is turned into that string.
 */
export const readVolumes: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return;
  if (!isSeq(value)) {
    ctx.error("E_TYPE", `volumes must be a list like ['/data', 'name:/data', './dir:/data:ro'], got ${describe(value)}`, input.valueLoc);
    return;
  }
  for (const item of seqItems(ctx, value)) {
    const volume = isMap(item) ? longVolume(ctx, item) : scalarText(item);
    if (volume === undefined || volume === "") {
      ctx.error("E_TYPE", `volumes entries must be strings like 'name:/data' or maps with target, got ${describe(item)}`, ctx.loc(item, input.valueLoc));
    } else if (volume !== null) {
      draft.spec.volumes.push(fromItsFolder(ctx, item, volume));
      draft.volumeLocs.push(ctx.loc(item, input.valueLoc));
    }
  }
};

/** Long-form fields Berth turns into the short form Docker takes, and what each may hold. */
const LONG_FORM_KEYS = new Set(["type", "source", "target", "read_only", "volume", "bind", "consistency"]);

/**
 * null: already reported. The long form becomes the short string Docker's binds take; an option
 * that string cannot carry is refused by name rather than dropped.
 */
function longVolume(ctx: LoadContext, item: YAMLMap): string | null {
  const entries = mapEntries(ctx, item);
  const fields = new Map(entries.map((e) => [e.key, e]));
  let ok = true;
  for (const e of entries) {
    if (!LONG_FORM_KEYS.has(e.key)) {
      ctx.error("E_UNSUPPORTED_KEY", `volumes: '${e.key}' in a long-form volume is not supported by Berth (supported: ${[...LONG_FORM_KEYS].join(", ")})`, e.keyLoc);
      ok = false;
    }
  }
  const type = scalarText(fields.get("type")?.value ?? null) ?? "volume";
  if (type !== "volume" && type !== "bind") {
    const where = fields.get("type")?.valueLoc ?? ctx.loc(item);
    const hint = type === "tmpfs" ? ": use the service's tmpfs: key" : "";
    ctx.error("E_UNSUPPORTED_KEY", `volumes: type '${type}' is not supported by Berth (volume or bind)${hint}`, where);
    ok = false;
  }
  const target = scalarText(fields.get("target")?.value ?? null);
  if (!target) {
    ctx.error("E_TYPE", `a long-form volume needs target: a path in the container, got ${describe(fields.get("target")?.value ?? null)}`, ctx.loc(item));
    return null;
  }
  const source = scalarText(fields.get("source")?.value ?? null);
  const modes: string[] = [];
  if (scalarText(fields.get("read_only")?.value ?? null) === "true") modes.push("ro");
  const volumeOptions = optionMap(ctx, fields.get("volume"));
  for (const [key, e] of volumeOptions) {
    if (key === "nocopy") {
      if (scalarText(e.value) === "true") modes.push("nocopy");
    } else {
      ctx.error("E_UNSUPPORTED_KEY", `volumes: volume.${key} is not supported by Berth (volume.nocopy is)`, e.keyLoc);
      ok = false;
    }
  }
  for (const [key, e] of optionMap(ctx, fields.get("bind"))) {
    const value = scalarText(e.value);
    if (key === "propagation" && value && /^r?(shared|slave|private)$/.test(value)) modes.push(value);
    else if (key === "selinux" && (value === "z" || value === "Z")) modes.push(value);
    // Docker's binds create a missing host folder, which is compose's default for this option.
    else if (key === "create_host_path" && value === "true") continue;
    else {
      ctx.error("E_UNSUPPORTED_KEY", `volumes: bind.${key}: ${describe(e.value)} is not supported by Berth (bind.propagation, bind.selinux, bind.create_host_path: true are)`, e.keyLoc);
      ok = false;
    }
  }
  if (!ok) return null;
  if (type === "bind" && !source) {
    ctx.error("E_TYPE", "a bind volume needs source: a path on the host", ctx.loc(item));
    return null;
  }
  return [source, target].filter(Boolean).join(":") + (modes.length ? `:${modes.join(",")}` : "");
}

function optionMap(ctx: LoadContext, entry: MapEntry | undefined): Map<string, MapEntry> {
  if (!entry || isNullNode(entry.value)) return new Map();
  if (!isMap(entry.value)) {
    ctx.error("E_TYPE", `${entry.key} must be a map of options, got ${describe(entry.value)}`, entry.valueLoc);
    return new Map();
  }
  return new Map(mapEntries(ctx, entry.value).map((e) => [e.key, e]));
}

/**
 * A relative host path written in an extended or included file is relative to that file's folder
 * (compose's rule): it is made absolute here, since the model resolves what is left against the
 * template's folder.
 */
function fromItsFolder(ctx: LoadContext, item: YamlNode, volume: string): string {
  const { dir } = ctx.dirOf(item);
  const colon = volume.indexOf(":");
  if (dir === ctx.settings.dir || colon === -1 || !volume.startsWith(".")) return volume;
  return path.resolve(dir, volume.slice(0, colon)) + volume.slice(colon);
}
