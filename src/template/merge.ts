import { isMap, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq, type Node } from "yaml";
import type { LoadContext, YamlNode } from "./load-context.js";
import { isNullNode, mapEntries, scalarText, seqItems } from "./yaml-nodes.js";

/**
 * compose's merge rules (compose-spec 13-merge.md, compose-go's override package), applied to
 * YAML nodes so that every value keeps the file it was read from: an override file and an
 * `extends:` base are merged this way. The result is made of new maps and lists holding the
 * original nodes; nothing is copied, so positions stay exact.
 *
 *  - maps merge key by key, recursively; a scalar of the later file wins;
 *  - lists are appended, with the exceptions in SEQUENCE_RULES (merged by a key, or replaced);
 *  - `!reset` removes what was there, `!override` replaces it without merging.
 */

/** How a list setting merges, by its path (`*` stands for any one service, network or volume). */
type SequenceRule =
  /** The later file's value replaces the earlier (shell commands). */
  | "replace"
  /** Entries are `KEY=VALUE` or a map; the later file's value of a key wins. */
  | "key-value"
  /** Entries are names or a map of name → options (networks, depends_on). */
  | "names"
  /** Entries with the same unique key (a volume's target, a port's binding) are replaced. */
  | { unique: (ctx: LoadContext, item: YamlNode) => string | undefined };

const byText = (_ctx: LoadContext, item: YamlNode) => scalarText(item);

const SEQUENCE_RULES: Record<string, SequenceRule> = {
  "services.*.command": "replace",
  "services.*.entrypoint": "replace",
  "services.*.healthcheck.test": "replace",
  "services.*.environment": "key-value",
  "services.*.labels": "key-value",
  "services.*.annotations": "key-value",
  "services.*.sysctls": "key-value",
  "services.*.extra_hosts": "key-value",
  "services.*.build.args": "key-value",
  "services.*.build.labels": "key-value",
  "services.*.build.extra_hosts": "key-value",
  "services.*.deploy.labels": "key-value",
  "networks.*.labels": "key-value",
  "volumes.*.labels": "key-value",
  "services.*.networks": "names",
  "services.*.depends_on": "names",
  "services.*.volumes": { unique: (ctx, item) => mountTarget(ctx, item, 1) },
  "services.*.devices": { unique: (ctx, item) => mountTarget(ctx, item, 1) },
  "services.*.secrets": { unique: (ctx, item) => fileTarget(ctx, item, "/run/secrets/") },
  "services.*.configs": { unique: (ctx, item) => fileTarget(ctx, item, "/") },
  "services.*.ports": { unique: (ctx, item) => portKey(ctx, item) },
};

/** Lists of plain values where compose keeps one of each (compose-go's uniqueness indexers). */
const UNIQUE_VALUES = new Set([
  "services.*.cap_add", "services.*.cap_drop", "services.*.dns", "services.*.dns_opt", "services.*.dns_search",
  "services.*.env_file", "services.*.expose", "services.*.links", "services.*.profiles", "services.*.tmpfs",
  "services.*.networks.*.aliases", "services.*.volumes_from", "services.*.external_links", "services.*.security_opt",
]);

/** What a path is called in SEQUENCE_RULES: service, network and volume names become `*`. */
function pattern(path: readonly string[]): string {
  return path.map((p, i) => (i === 1 && ["services", "networks", "volumes", "secrets", "configs"].includes(path[0]) ? "*" : i === 3 && path[2] === "networks" && path[0] === "services" ? "*" : p)).join(".");
}

export function isReset(node: Node | null | undefined): boolean {
  return !!node && (node as { tag?: string }).tag === "!reset";
}

export function isOverride(node: Node | null | undefined): boolean {
  return !!node && (node as { tag?: string }).tag === "!override";
}

/**
 * `over` merged onto `base` at `path` (["services", "web", "ports"]). `undefined`: the key is
 * removed (`!reset`).
 */
export function mergeNodes(ctx: LoadContext, path: readonly string[], base: YamlNode | undefined, over: YamlNode): YamlNode | undefined {
  if (isReset(over)) return undefined;
  if (base === undefined || isOverride(over)) return cleaned(ctx, over);
  const rule = SEQUENCE_RULES[pattern(path)];
  if (rule === "replace") return cleaned(ctx, over);
  // A key written with nothing after it overrides nothing (compose-go: a nil override keeps the base); `!reset` is how to clear.
  if (isNullNode(over)) return base;
  if (path.join(".").match(/^services\.[^.]+\.build$/) && (isMap(base) || isMap(over))) return mergeMaps(ctx, path, asBuildMap(ctx, base), asBuildMap(ctx, over));
  if (pattern(path) === "services.*.logging" && isMap(base) && isMap(over)) {
    // A different driver's options mean nothing to this one: compose replaces the whole section.
    const driver = (m: YAMLMap) => scalarText(mapEntries(ctx, m).find((e) => e.key === "driver")?.value ?? null);
    if (driver(over) !== undefined && driver(base) !== undefined && driver(over) !== driver(base)) return cleaned(ctx, over);
  }
  if (rule === "key-value" || rule === "names") {
    if (isSeq(base) && isSeq(over)) return mergeLists(ctx, base, over, rule === "names" ? byText : (_c, item) => keyOf(scalarText(item)));
    if ((isSeq(base) || isMap(base)) && (isSeq(over) || isMap(over))) return mergeMaps(ctx, path, asMap(ctx, base, rule), asMap(ctx, over, rule));
  }
  if (isMap(base) && isMap(over)) return mergeMaps(ctx, path, base, over);
  if (isSeq(base) && isSeq(over)) {
    if (rule && typeof rule === "object") return mergeLists(ctx, base, over, rule.unique);
    return mergeLists(ctx, base, over, UNIQUE_VALUES.has(pattern(path)) ? byText : () => undefined);
  }
  return cleaned(ctx, over);
}

/** A map merged key by key; keys of `base` keep their order, new keys of `over` follow. */
export function mergeMaps(ctx: LoadContext, path: readonly string[], base: YAMLMap, over: YAMLMap): YAMLMap {
  // A merged map is shown where it was first defined (a service at its first file's name).
  const merged = ctx.adopt(new YAMLMap(), base);
  const result = new Map<string, Pair<Node, YamlNode>>();
  for (const e of mapEntries(ctx, base)) {
    if (!isReset(e.value)) result.set(e.key, new Pair(e.keyNode, e.value));
  }
  for (const e of mapEntries(ctx, over)) {
    const before = result.get(e.key);
    const value = mergeNodes(ctx, [...path, e.key], before ? before.value : undefined, e.value);
    if (value === undefined) result.delete(e.key);
    else result.set(e.key, new Pair(before && isMap(value) && isMap(before.value) ? before.key : e.keyNode, value));
  }
  merged.items = [...result.values()] as YAMLMap["items"];
  return merged;
}

/** A list appended, an entry of `over` replacing the entry of `base` with the same key (when `keyOf` gives one). */
function mergeLists(ctx: LoadContext, base: YAMLSeq, over: YAMLSeq, keyOf: (ctx: LoadContext, item: YamlNode) => string | undefined): YAMLSeq {
  const merged = ctx.adopt(new YAMLSeq(), over);
  const items: YamlNode[] = [];
  const at = new Map<string, number>();
  for (const item of [...seqItems(ctx, base), ...seqItems(ctx, over)]) {
    const key = keyOf(ctx, item);
    if (key !== undefined && at.has(key)) {
      items[at.get(key)!] = item;
      continue;
    }
    if (key !== undefined) at.set(key, items.length);
    items.push(item);
  }
  merged.items = items as YAMLSeq["items"];
  return merged;
}

/** A node with every `!reset` key under it removed (a `!reset` with nothing to reset still clears the key). */
export function cleaned(ctx: LoadContext, node: YamlNode): YamlNode {
  if (!ctx.mergeTags || !hasTags(ctx, node)) return node;
  if (isMap(node)) {
    const made = ctx.adopt(new YAMLMap(), node);
    made.items = mapEntries(ctx, node)
      .filter((e) => !isReset(e.value))
      .map((e) => new Pair(e.keyNode, cleaned(ctx, e.value))) as YAMLMap["items"];
    return made;
  }
  if (isSeq(node)) {
    const made = ctx.adopt(new YAMLSeq(), node);
    made.items = seqItems(ctx, node).filter((i) => !isReset(i)).map((i) => cleaned(ctx, i)) as YAMLSeq["items"];
    return made;
  }
  return node;
}

function hasTags(ctx: LoadContext, node: YamlNode, depth = 0): boolean {
  if (!node || depth > 64) return false;
  if (isReset(node) || isOverride(node)) return true;
  if (isMap(node)) return mapEntries(ctx, node).some((e) => hasTags(ctx, e.value, depth + 1));
  if (isSeq(node)) return seqItems(ctx, node).some((i) => hasTags(ctx, i, depth + 1));
  return false;
}

/** `build: ./dir` is `build: {context: ./dir}` when merged with a map. */
function asBuildMap(ctx: LoadContext, node: YamlNode): YAMLMap {
  if (isMap(node)) return node;
  const made = ctx.adopt(new YAMLMap(), node);
  if (node && isScalar(node)) made.items = [new Pair(ctx.adopt(new Scalar("context"), node), node)] as YAMLMap["items"];
  return made;
}

/**
 * A list of `KEY=VALUE` (or names) as the map compose reads it as, each entry shown where the
 * list item is written.
 */
function asMap(ctx: LoadContext, node: YamlNode, rule: "key-value" | "names"): YAMLMap {
  if (isMap(node)) return node;
  const made = ctx.adopt(new YAMLMap(), node);
  const pairs: Pair<Node, YamlNode>[] = [];
  for (const item of seqItems(ctx, node)) {
    const text = scalarText(item);
    if (text === undefined || !item) continue;
    if (rule === "names") {
      pairs.push(new Pair(ctx.adopt(new Scalar(text), item), null));
      continue;
    }
    const cut = separatorAt(text);
    const key = cut === -1 ? text : text.slice(0, cut);
    const value = cut === -1 ? null : ctx.adopt(new Scalar(text.slice(cut + 1)), item);
    pairs.push(new Pair(ctx.adopt(new Scalar(key), item), value));
  }
  made.items = pairs as YAMLMap["items"];
  return made;
}

/** `KEY=VALUE`, and extra_hosts' `host:ip`. */
function separatorAt(text: string): number {
  return text.includes("=") ? text.indexOf("=") : text.indexOf(":");
}

function keyOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const cut = separatorAt(text);
  return cut === -1 ? text : text.slice(0, cut);
}

/** A volume's or device's path in the container: `src:target[:mode]`, `target`, or `{target}`. */
function mountTarget(ctx: LoadContext, item: YamlNode, index: number): string | undefined {
  if (isMap(item)) return scalarText(mapEntries(ctx, item).find((e) => e.key === "target")?.value ?? null);
  const text = scalarText(item);
  if (text === undefined) return undefined;
  const parts = text.split(":");
  return parts.length === 1 ? parts[0] : parts[index];
}

/** Where a secret or config is mounted: `name` → prefix + name, or `{source, target}`. */
function fileTarget(ctx: LoadContext, item: YamlNode, prefix: string): string | undefined {
  if (isMap(item)) {
    const fields = new Map(mapEntries(ctx, item).map((e) => [e.key, scalarText(e.value)]));
    const target = fields.get("target");
    if (target) return target.startsWith("/") ? target : prefix + target;
    return fields.get("source") ? prefix + fields.get("source") : undefined;
  }
  const text = scalarText(item);
  return text === undefined ? undefined : prefix + text;
}

/** A port binding's identity: {host_ip, published, target, protocol}. */
function portKey(ctx: LoadContext, item: YamlNode): string | undefined {
  if (isMap(item)) {
    const f = new Map(mapEntries(ctx, item).map((e) => [e.key, scalarText(e.value) ?? ""]));
    return `${f.get("host_ip") ?? ""}:${f.get("published") ?? ""}:${f.get("target") ?? ""}/${f.get("protocol") || "tcp"}`;
  }
  const text = scalarText(item);
  if (text === undefined) return undefined;
  return text.includes("/") ? text : `${text}/tcp`;
}
