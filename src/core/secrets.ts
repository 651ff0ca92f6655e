import type { ResourceSchema } from "./provider.js";
import type { AttrValue, Attributes } from "./types.js";

/**
 * Which attribute values are secret and which are identifiers: decided here, once, for every
 * resource; the planner records the answer on each change and drift entry, and src/core/mask.ts
 * applies it to every output.
 */

/** Map keys whose values are secrets (as Terraform's users expect from "sensitive"). */
export const SENSITIVE_KEY = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL/i;
export const MASK = "(sensitive value)";
/**
 * Shown on the `after` side where a secret changed: masked, both sides read the same, and the
 * reviewer would otherwise see an update with nothing in it (Terraform: "(sensitive value)" on a ~ line).
 */
export const SENSITIVE_CHANGED = "(sensitive value changed)";
/** An attribute whose every value is a secret, whatever its keys are called (src/model/sensitive.ts). */
export const SENSITIVE_VALUES_KEY = "sensitive_values";
/**
 * Shorter secrets are masked where they are named but not scrubbed from other text: "abc"
 * inside every word would make the output unreadable and hide nothing.
 */
export const MIN_SCRUBBED_LENGTH = 4;

/** An attribute path: top-level name, then map keys and list indexes ("0", "1", ...). */
export type AttrPath = string[];

export function isMaskMarker(value: AttrValue | undefined): boolean {
  return value === MASK || value === SENSITIVE_CHANGED;
}

/**
 * Paths whose values are secret in one resource's attributes:
 * - attributes the provider's schema declares sensitive;
 * - map entries, at any depth, whose key looks secret (MYSQL_PASSWORD, API_TOKEN);
 * - every entry of `sensitive_values` (secrets the model found under other names), and every
 *   other string equal to one of them (DATABASE_URL: ${DB_PASSWORD}).
 * Identifiers (schema `identifier`) are never secret: they name things.
 */
export function sensitivePaths(attrs: Attributes | null, schema: ResourceSchema | undefined): AttrPath[] {
  if (!attrs) return [];
  const identifiers = identifierPaths(schema);
  const modelSecrets = new Set(stringLeaves(attrs[SENSITIVE_VALUES_KEY]));
  const found: AttrPath[] = [];
  const walk = (value: AttrValue, path: AttrPath): void => {
    if (covers(identifiers, path)) return;
    if (typeof value === "string") {
      if (modelSecrets.has(value)) found.push(path);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, String(i)]));
    } else if (value !== null && typeof value === "object") {
      for (const [key, v] of Object.entries(value)) {
        if (SENSITIVE_KEY.test(key) || (path.length === 1 && path[0] === SENSITIVE_VALUES_KEY)) found.push([...path, key]);
        else walk(v, [...path, key]);
      }
    }
  };
  for (const [key, value] of Object.entries(attrs)) {
    const rule = schema?.attributes[key] ?? schema?.defaultRule;
    if (rule?.sensitive || (SENSITIVE_KEY.test(key) && !covers(identifiers, [key]))) found.push([key]);
    else walk(value, [key]);
  }
  return found;
}

/** Paths the provider's schema names as identifiers (names, images, addresses, paths). */
export function identifierPaths(schema: ResourceSchema | undefined): AttrPath[] {
  if (!schema) return [];
  const paths: AttrPath[] = [];
  for (const [key, rule] of Object.entries(schema.attributes)) {
    if (rule.identifier === true) paths.push([key]);
    else if (Array.isArray(rule.identifier)) for (const inner of rule.identifier) paths.push([key, inner]);
  }
  return paths;
}

/** Whether one of `paths` is `path` or one of its ancestors. */
export function covers(paths: readonly AttrPath[], path: readonly string[]): boolean {
  return paths.some((p) => p.length <= path.length && p.every((segment, i) => segment === path[i]));
}

/** Paths in a stable order, each once. */
export function normalizePaths(paths: Iterable<AttrPath>): AttrPath[] {
  const byKey = new Map<string, AttrPath>();
  for (const p of paths) byKey.set(JSON.stringify(p), p);
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

/** Every string under `value`, with its path below `base`. */
export function stringLeavesWithPaths(value: AttrValue | undefined, base: AttrPath = []): [AttrPath, string][] {
  if (typeof value === "string") return [[base, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeavesWithPaths(v, [...base, String(i)]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => stringLeavesWithPaths(v, [...base, k]));
  }
  return [];
}

function stringLeaves(value: AttrValue | undefined): string[] {
  return stringLeavesWithPaths(value).map(([, s]) => s);
}

/** The value at a path, or undefined. */
export function valueAt(attrs: Attributes, path: readonly string[]): AttrValue | undefined {
  let current: AttrValue | undefined = attrs;
  for (const segment of path) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (current !== null && typeof current === "object") current = Object.hasOwn(current, segment) ? current[segment] : undefined;
    else return undefined;
  }
  return current;
}
