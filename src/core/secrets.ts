import type { AttrValue, Attributes } from "./types.js";

/** Environment keys whose values are secrets (as Terraform's users expect from "sensitive"). */
export const SENSITIVE_KEY = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL/i;
export const MASK = "(sensitive value)";
/** An attribute whose every value is a secret, whatever its keys are called (src/model/sensitive.ts). */
export const SENSITIVE_VALUES_KEY = "sensitive_values";

const isSecretKey = (key: string | undefined, parent: string | undefined) =>
  parent === SENSITIVE_VALUES_KEY || (key !== undefined && SENSITIVE_KEY.test(key));

/**
 * Masks every map entry whose key looks secret, anywhere in the attributes, and every
 * occurrence of a known secret value inside other strings (a password interpolated into a
 * command line is still a password).
 */
export function maskAttributes(attrs: Attributes, extraSecrets: readonly string[] = []): Attributes {
  const secrets = new Set<string>(extraSecrets.filter((s) => s.length >= 4));
  collectSecretValues(attrs, secrets);
  return maskValue(attrs, secrets) as Attributes;
}

function collectSecretValues(value: AttrValue, into: Set<string>, parent?: string): void {
  if (Array.isArray(value)) {
    for (const v of value) collectSecretValues(v, into);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (isSecretKey(k, parent) && typeof v === "string" && v.length >= 4) into.add(v);
      collectSecretValues(v, into, k);
    }
  }
}

function maskValue(value: AttrValue, secrets: Set<string>, key?: string, parent?: string): AttrValue {
  if (typeof value === "string") {
    if (isSecretKey(key, parent)) return MASK;
    return scrubSecrets(value, secrets);
  }
  if (Array.isArray(value)) return value.map((v) => maskValue(v, secrets));
  if (value && typeof value === "object") {
    const out: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, secrets, k, key);
    return out;
  }
  return value;
}

/** Replaces each known secret inside a longer string ("KEY=abc" in a command). */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  // Longest first: a secret that starts with another must not leave its tail showing.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}
