import { isMap, isSeq, type YAMLMap } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import type { LoadContext, YamlNode } from "./load-context.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems } from "./yaml-nodes.js";

/**
 * One entry of a setting compose lets you write either as a list ("KEY=VALUE") or as a
 * map (KEY: VALUE): environment, labels, build args, extra_hosts.
 */
export interface KeyValue {
  key: string;
  /** null: written without a value ("KEY" in a list, "KEY:" in a map). */
  value: string | null;
  keyLoc: SourceLoc;
  /** Where character `i` of the value is, for errors inside a value. */
  valueLocAt(i: number): SourceLoc;
}

/**
 * Reads a list-or-map setting. `separator` finds where the key ends in a list item
 * (-1: no value). Wrong shapes are reported as E_TYPE and skipped.
 */
export function readKeyValues(
  ctx: LoadContext,
  what: string,
  node: YamlNode,
  at: SourceLoc,
  separator: (item: string) => number = (item) => item.indexOf("="),
): KeyValue[] {
  if (isNullNode(node)) return [];
  if (isMap(node)) return fromMap(ctx, what, node);
  if (isSeq(node)) return fromList(ctx, what, seqItems(ctx, node), separator);
  ctx.error("E_TYPE", `${what} must be a list or a map, got ${describe(node)}`, ctx.loc(node, at));
  return [];
}

function fromMap(ctx: LoadContext, what: string, node: YAMLMap): KeyValue[] {
  const out: KeyValue[] = [];
  for (const entry of mapEntries(ctx, node)) {
    const text = scalarText(entry.value);
    if (text === undefined && !isNullNode(entry.value)) {
      ctx.error("E_TYPE", `${what} value for '${entry.key}' must be a string, number or boolean, got ${describe(entry.value)}`, entry.valueLoc);
      continue;
    }
    out.push({
      key: entry.key,
      value: text ?? null,
      keyLoc: entry.keyLoc,
      valueLocAt: (i) => ctx.locWithin(entry.value, i, entry.keyLoc),
    });
  }
  return out;
}

function fromList(ctx: LoadContext, what: string, items: YamlNode[], separator: (item: string) => number): KeyValue[] {
  const out: KeyValue[] = [];
  for (const item of items) {
    const text = scalarText(item);
    if (text === undefined) {
      ctx.error("E_TYPE", `${what} entries must be strings, got ${describe(item)}`, ctx.loc(item));
      continue;
    }
    const cut = separator(text);
    if (cut === 0 || text === "") {
      ctx.error("E_TYPE", `${what} entry '${text}' has no name before the value`, ctx.loc(item));
      continue;
    }
    out.push({
      key: cut === -1 ? text : text.slice(0, cut),
      value: cut === -1 ? null : text.slice(cut + 1),
      keyLoc: ctx.loc(item),
      valueLocAt: (i) => ctx.locWithin(item, cut + 1 + i),
    });
  }
  return out;
}
