import type { Address } from "./types.js";

/**
 * Orders addresses the way a reader expects: digit runs compare as numbers, so
 * "container.web[2]" comes before "container.web[10]". Locale-free, hence stable everywhere.
 */
export function compareAddresses(a: Address, b: Address): number {
  const chunksA = a.match(/\d+|\D+/g) ?? [];
  const chunksB = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(chunksA.length, chunksB.length); i++) {
    const x = chunksA[i];
    const y = chunksB[i];
    if (x === y) continue;
    const numericOrder = /^\d/.test(x) && /^\d/.test(y) ? Number(x) - Number(y) : 0;
    if (numericOrder !== 0) return numericOrder;
    return x < y ? -1 : 1;
  }
  return chunksA.length - chunksB.length;
}
