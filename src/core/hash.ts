import { createHash } from "node:crypto";
import type { AttrValue } from "./types.js";

/** JSON with object keys sorted at every level: equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value as AttrValue));
}

export function sortKeys(value: AttrValue): AttrValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, AttrValue> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, AttrValue>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
