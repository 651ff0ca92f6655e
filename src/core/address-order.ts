import type { Address } from "./types.js";

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Orders addresses the way a reader expects: digit runs compare as numbers, so
 * "container.web[2]" comes before "container.web[10]". Locale-free, hence stable everywhere.
 * Walks both strings in place: plans sort tens of thousands of addresses.
 */
export function compareAddresses(a: Address, b: Address): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let ei = i;
      while (ei < a.length && isDigit(a.charCodeAt(ei))) ei++;
      let ej = j;
      while (ej < b.length && isDigit(b.charCodeAt(ej))) ej++;
      const order = Number(a.slice(i, ei)) - Number(b.slice(j, ej)) || ei - i - (ej - j);
      if (order !== 0) return order;
      i = ei;
      j = ej;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}
