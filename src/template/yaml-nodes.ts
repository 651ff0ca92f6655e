import { isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import type { LoadContext, YamlNode } from "./load-context.js";

/** One `key: value` of a YAML map, key already a string. */
export interface MapEntry {
  key: string;
  keyNode: Node;
  keyLoc: SourceLoc;
  /** Alias-resolved; null when nothing follows the colon. */
  value: YamlNode;
  valueLoc: SourceLoc;
}

/** How a node reads in a message: "a list", "a map", "80", "'abc'", "nothing". */
export function describe(node: YamlNode): string {
  if (!node) return "nothing";
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return "nothing";
    if (typeof v === "string") return `'${v}'`;
    return String(v);
  }
  return "an unsupported YAML node";
}

/** A scalar's value as text (numbers and booleans spelled as YAML would); undefined for lists, maps, null. */
export function scalarText(node: YamlNode): string | undefined {
  if (!node || !isScalar(node)) return undefined;
  const v = node.value;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return undefined;
}

export function isNullNode(node: YamlNode): boolean {
  return !node || (isScalar(node) && (node.value === null || node.value === undefined));
}

/**
 * The entries of a map, keys as strings, `<<` merge keys applied (compose files use
 * anchors and merges for shared settings). Keys written here win over merged ones.
 */
export function mapEntries(ctx: LoadContext, map: YAMLMap, seen: Set<YAMLMap> = new Set()): MapEntry[] {
  seen.add(map);
  const own: MapEntry[] = [];
  const merged: MapEntry[] = [];
  for (const pair of map.items) {
    const keyNode = ctx.resolve(pair.key as Node | null);
    const keyLoc = ctx.loc(keyNode ?? (pair.key as Node | null));
    const key = keyText(ctx, keyNode);
    if (key === undefined) {
      ctx.error("E_TYPE", `map keys must be plain names, got ${describe(keyNode)}`, keyLoc);
      continue;
    }
    const value = ctx.resolve(pair.value as Node | null);
    if (key === "<<" && isPlainMergeKey(keyNode)) {
      merged.push(...mergeSources(ctx, value, keyLoc, seen));
      continue;
    }
    own.push({ key, keyNode: keyNode as Node, keyLoc, value, valueLoc: ctx.loc(value, keyLoc) });
  }
  const ownKeys = new Set(own.map((e) => e.key));
  const fromMerges = new Map<string, MapEntry>();
  for (const entry of merged) if (!ownKeys.has(entry.key) && !fromMerges.has(entry.key)) fromMerges.set(entry.key, entry);
  return [...own, ...fromMerges.values()];
}

/**
 * A key as written. An unquoted key YAML reads as a number, boolean or null (`NULL:`, `010:`,
 * `true:`) is still a name to compose, so its source text is used rather than its value.
 */
function keyText(ctx: LoadContext, node: YamlNode): string | undefined {
  if (node && isScalar(node) && typeof node.value !== "string" && node.type === "PLAIN" && node.range) {
    const written = ctx.sourceOf(node).text.slice(node.range[0], node.range[1]).trim();
    return written === "" ? undefined : written;
  }
  return scalarText(node);
}

function isPlainMergeKey(node: YamlNode): boolean {
  return !!node && isScalar(node) && (node as Scalar).type === "PLAIN";
}

function mergeSources(ctx: LoadContext, value: YamlNode, at: SourceLoc, seen: Set<YAMLMap>): MapEntry[] {
  const sources = isSeq(value) ? value.items.map((item) => ctx.resolve(item as Node)) : [value];
  const entries: MapEntry[] = [];
  for (const source of sources) {
    if (!isMap(source)) {
      ctx.error("E_TYPE", `'<<' merges maps, got ${describe(source)}`, ctx.loc(source, at));
    } else if (seen.has(source)) {
      // An anchor merged into itself would recurse forever.
      ctx.error("E_YAML", "'<<' merges a map into itself", at);
    } else {
      entries.push(...mapEntries(ctx, source, new Set(seen)));
    }
  }
  return entries;
}

/** The items of a list, aliases resolved. */
export function seqItems(ctx: LoadContext, node: YamlNode): YamlNode[] {
  return isSeq(node) ? node.items.map((item) => ctx.resolve(item as Node | null)) : [];
}
