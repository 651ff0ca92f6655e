import { randomUUID } from "node:crypto";
import type { Address, AttrValue, RecordedResource } from "../src/core/types.js";
import type { AppliedConfiguration, StateFile } from "./backend.js";
import { compareAddresses } from "../src/core/address-order.js";

export { compareAddresses };

/** A fresh lineage: states with different lineages are different histories, never mixed. */
export function newLineage(): string {
  return randomUUID();
}

/** The state before anything was applied (serial 0 is never written). */
export function emptyState(project: string, lineage: string): StateFile {
  return { version: 1, lineage, serial: 0, project, resources: [] };
}

/**
 * The state to write after `prev`: next serial, same lineage (a new one when there is none),
 * the history carried over unless a new one is given.
 */
export function nextState(
  prev: StateFile | null,
  project: string,
  resources: readonly RecordedResource[],
  history: readonly AppliedConfiguration[] | undefined = prev?.history,
): StateFile {
  return {
    version: 1,
    lineage: prev?.lineage ?? newLineage(),
    serial: (prev?.serial ?? 0) + 1,
    project,
    resources: sortByAddress(resources),
    ...(history && history.length > 0 ? { history: [...history] } : {}),
  };
}


export function sortByAddress<T extends { address: Address }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareAddresses(a.address, b.address));
}

const RESOURCE_KEY_ORDER = ["address", "type", "provider", "service", "dependsOn", "attributes"];

/**
 * Stable JSON for a state: fixed top-level and resource key order, resources sorted by
 * address, attribute keys sorted, 2-space indentation and a trailing newline. The same state
 * always gives the same bytes, so state files diff cleanly.
 */
export function serializeState(state: StateFile): string {
  const ordered = {
    version: state.version,
    lineage: state.lineage,
    serial: state.serial,
    project: state.project,
    resources: sortByAddress(state.resources).map(orderResourceKeys),
    // Last: a reader of the file finds what runs first.
    ...(state.history && state.history.length > 0 ? { history: state.history } : {}),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function orderResourceKeys(resource: RecordedResource): Record<string, unknown> {
  const record = resource as unknown as Record<string, unknown>;
  const extraKeys = Object.keys(record)
    .filter((key) => !RESOURCE_KEY_ORDER.includes(key))
    .sort();
  const ordered: Record<string, unknown> = {};
  for (const key of [...RESOURCE_KEY_ORDER, ...extraKeys]) {
    if (record[key] === undefined) continue;
    ordered[key] = key === "attributes" ? sortKeysDeep(record[key] as AttrValue) : record[key];
  }
  return ordered;
}

function sortKeysDeep(value: AttrValue): AttrValue {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== "object") return value;
  const sorted: { [key: string]: AttrValue } = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeysDeep(value[key]);
  return sorted;
}

/** Parses stored state text; the result says what is wrong instead of throwing. */
export function parseState(text: string): { state: StateFile } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { problem: `not valid JSON (${(e as Error).message})` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { problem: "not a JSON object" };
  }
  const candidate = parsed as Record<string, unknown>;
  if (candidate.version !== 1) return { problem: `unsupported state version ${JSON.stringify(candidate.version)}` };
  if (typeof candidate.lineage !== "string" || candidate.lineage === "") return { problem: "missing lineage" };
  if (!Number.isInteger(candidate.serial) || (candidate.serial as number) < 0) return { problem: "missing or invalid serial" };
  if (typeof candidate.project !== "string") return { problem: "missing project" };
  if (!Array.isArray(candidate.resources)) return { problem: "missing resources list" };
  for (const [i, resource] of candidate.resources.entries()) {
    const r = resource as Record<string, unknown> | null;
    if (r === null || typeof r !== "object" || typeof r.address !== "string" || typeof r.type !== "string"
      || typeof r.provider !== "string" || r.attributes === null || typeof r.attributes !== "object") {
      return { problem: `resource #${i + 1} lacks address, type, provider or attributes` };
    }
  }
  if (candidate.history !== undefined) {
    if (!Array.isArray(candidate.history)) return { problem: "history is not a list" };
    for (const [i, entry] of candidate.history.entries()) {
      const h = entry as Record<string, unknown> | null;
      if (h === null || typeof h !== "object" || !Number.isInteger(h.serial) || !Array.isArray(h.resources)) {
        return { problem: `history entry #${i + 1} lacks serial or resources` };
      }
    }
  }
  return { state: candidate as unknown as StateFile };
}
