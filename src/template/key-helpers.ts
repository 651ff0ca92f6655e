import { isScalar, isSeq } from "yaml";
import type { YamlNode } from "./load-context.js";
import type { KeyInput } from "./service-draft.js";
import { describe, isNullNode, scalarText, seqItems } from "./yaml-nodes.js";

/**
 * A key whose value must be text. Numbers pass as text where compose users write them
 * unquoted (`user: 1000`); null means the key was left empty, which compose treats as unset.
 */
export function readText(input: KeyInput, acceptNumbers = false): string | null {
  const { value } = input;
  if (isNullNode(value)) return null;
  if (isScalar(value) && (typeof value.value === "string" || (acceptNumbers && typeof value.value === "number"))) {
    return String(value.value);
  }
  input.ctx.error("E_TYPE", `${input.key} must be ${acceptNumbers ? "a string or a number" : "a string"}, got ${describe(value)}`, input.valueLoc);
  return null;
}

/** A key whose value must be a list of scalars; each item comes back with its node for locations. */
export function readScalarList(input: KeyInput, itemsAre: string): { text: string; node: YamlNode }[] {
  const { ctx, value } = input;
  if (isNullNode(value)) return [];
  if (!isSeq(value)) {
    ctx.error("E_TYPE", `${input.key} must be a list of ${itemsAre}, got ${describe(value)}`, input.valueLoc);
    return [];
  }
  const out: { text: string; node: YamlNode }[] = [];
  for (const item of seqItems(ctx, value)) {
    const text = scalarText(item);
    if (text === undefined) ctx.error("E_TYPE", `${input.key} entries must be ${itemsAre}, got ${describe(item)}`, ctx.loc(item, input.valueLoc));
    else out.push({ text, node: item });
  }
  return out;
}

/** A whole number ≥ min from a YAML number or a numeric string ('3' in a label is as good as 3). */
export function wholeNumber(text: string | undefined, min: number): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min ? n : null;
}

/** Records in key order, so plans and hashes built from them do not depend on how the YAML was ordered. */
export function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
