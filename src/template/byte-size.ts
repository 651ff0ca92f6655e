/** Powers of 1024 per unit, as docker and compose read sizes (go-units' RAMInBytes). */
const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i;

/** "512m" → 536870912, "1.5g", "100kb", "2048" → bytes (whole); null when the text is not a size. */
export function parseByteSize(text: string): number | null {
  const match = SIZE.exec(text.trim());
  if (!match) return null;
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2].toLowerCase()]);
  return Number.isSafeInteger(bytes) ? bytes : null;
}
