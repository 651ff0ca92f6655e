import type { AttributeRule, ResourceSchema } from "../core/provider.js";
import type { AttrValue, Attributes } from "../core/types.js";

export interface AttributeDiff {
  /** Changed attributes that can be applied to the running resource. */
  inPlace: string[];
  /** Changed attributes that need a new resource. */
  replace: string[];
}

const NO_SCHEMA: ResourceSchema = { attributes: {}, defaultRule: { update: "replace" } };

export function ruleFor(schema: ResourceSchema | undefined, key: string): AttributeRule {
  const s = schema ?? NO_SCHEMA;
  return s.attributes[key] ?? s.defaultRule;
}

/**
 * Structural equality of attribute values (object key order does not matter; undefined is
 * null). Called for every attribute of every resource, so it compares in place rather than
 * serialising both sides.
 */
export function sameValue(a: AttrValue | undefined, b: AttrValue | undefined): boolean {
  const x = a ?? null;
  const y = b ?? null;
  if (x === y) return true;
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    return x.every((v, i) => sameValue(v, y[i]));
  }
  const keysX = Object.keys(x).filter((k) => x[k] !== undefined);
  const keysY = Object.keys(y).filter((k) => y[k] !== undefined);
  return keysX.length === keysY.length && keysX.every((k) => k in y && sameValue(x[k], y[k]));
}

/**
 * Compares what the template wants with what was recorded, attribute by attribute, and
 * sorts each difference by the provider's rule. A digest (the config hash) is named only when
 * nothing it digests is: it is how a change the schema cannot see still forces replacement.
 */
export function diffAttributes(schema: ResourceSchema | undefined, desired: Attributes, recorded: Attributes): AttributeDiff {
  const inPlace: string[] = [];
  const replace: string[] = [];
  const digests: string[] = [];
  const keys = Object.keys(desired);
  for (const key of Object.keys(recorded)) if (!(key in desired)) keys.push(key);
  for (const key of keys) {
    const rule = ruleFor(schema, key);
    if (rule.update === "computed") continue;
    if (rule.resolvedAtPlan && desired[key] === null) continue;
    if (sameValue(desired[key], recorded[key])) continue;
    if (rule.digest) digests.push(key);
    else if (rule.update === "in-place" && !(rule.replaceWhenUnset && (desired[key] ?? null) === null)) inPlace.push(key);
    else replace.push(key);
  }
  if (replace.length === 0 && inPlace.length === 0 && digests.length > 0) replace.push(...digests);
  return { inPlace: inPlace.sort(), replace: replace.sort() };
}

/** Desired attributes plus the computed ones the provider recorded (IDs, assigned ports). */
export function withComputed(schema: ResourceSchema | undefined, desired: Attributes, recorded: Attributes): Attributes {
  const out: Attributes = { ...desired };
  for (const [key, value] of Object.entries(recorded)) {
    const rule = ruleFor(schema, key);
    if (rule.update === "computed" || (rule.resolvedAtPlan && desired[key] === null)) out[key] = value;
  }
  return out;
}
