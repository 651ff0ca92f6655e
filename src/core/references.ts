import type { Address, AttrValue, Attributes, AttributeReference } from "./types.js";

export type References = Record<string, AttributeReference | AttributeReference[]>;

/**
 * The value a reference points to, read through `attributesOf` (the state when planning, what
 * apply has recorded so far when applying). A single reference whose target lacks the value is
 * undefined; a list of references is the list of the values its targets have (a map entry that
 * is itself a list, like an endpoints entry, adds each of its items), without repeats.
 */
export function resolveReference(
  ref: AttributeReference | readonly AttributeReference[],
  attributesOf: (address: Address) => Attributes | undefined,
): AttrValue | undefined {
  if (!Array.isArray(ref)) return valueAt(ref as AttributeReference, attributesOf);
  const out: AttrValue[] = [];
  const seen = new Set<string>();
  for (const r of ref as readonly AttributeReference[]) {
    const value = valueAt(r, attributesOf);
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      const key = JSON.stringify(item);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(item);
      }
    }
  }
  return out;
}

/** Every address a resource's references point to. */
export function referencedAddresses(references: References | undefined): Address[] {
  return Object.values(references ?? {}).flatMap((r) => (Array.isArray(r) ? r.map((x) => x.address) : [r.address]));
}

function valueAt(ref: AttributeReference, attributesOf: (address: Address) => Attributes | undefined): AttrValue | undefined {
  const value = attributesOf(ref.address)?.[ref.attribute];
  if (ref.key === undefined) return value;
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value[ref.key] : undefined;
}
