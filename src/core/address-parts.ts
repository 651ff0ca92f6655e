import type { Address } from "./types.js";

/** "container.web[2]" → { name: "web", index: 2 }; "route.a.b" → { name: "a.b", index: null }. */
export function nameAndIndex(address: Address): { name: string; index: number | null } {
  const m = /^[a-z]+\.(.*?)(?:\[(\d+)\])?$/.exec(address);
  return { name: m?.[1] ?? address, index: m?.[2] !== undefined ? Number(m[2]) : null };
}
