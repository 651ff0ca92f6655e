import type { ResourceChange } from "../core/plan.js";
import type { ResourceSchema } from "../core/provider.js";
import type { Address, Attributes, ObservedResource, ProviderName, RecordedResource, ResourceType } from "../core/types.js";
import { nameAndIndex } from "../core/address-parts.js";

/** A service renamed in the template: `x-berth-moved: {from: to}`. */
export interface ServiceMove {
  from: string;
  to: string;
}

type SchemaOf = (provider: ProviderName, type: ResourceType) => ResourceSchema | undefined;

/**
 * Takes the records (and what the engine runs) of each renamed service's resources to their
 * new addresses, marked `movedFrom`, so they are planned as renames rather than a destroy and a
 * create. Only what the provider can rename moves (ResourceSchema.rename), and only to an
 * address the template wants and the state does not hold yet: applied once, a move is a no-op.
 * Pure.
 */
export function applyMoves(
  recorded: readonly RecordedResource[],
  observed: readonly ObservedResource[],
  wanted: ReadonlySet<Address>,
  moves: readonly ServiceMove[],
  schemaOf: SchemaOf,
): { recorded: RecordedResource[]; observed: ObservedResource[] } {
  const held = new Set(recorded.map((r) => r.address));
  const renamed = new Map<Address, Address>();
  for (const move of moves) {
    for (const r of recorded) {
      if (!schemaOf(r.provider, r.type)?.rename || serviceOf(r) !== move.from) continue;
      const { index } = nameAndIndex(r.address);
      const next = `${r.type}.${move.to}${index === null ? "" : `[${index}]`}`;
      if (wanted.has(next) && !held.has(next)) renamed.set(r.address, next);
    }
  }
  if (renamed.size === 0) return { recorded: [...recorded], observed: [...observed] };
  const to = (a: Address) => renamed.get(a) ?? a;
  return {
    recorded: recorded.map((r) => {
      const dependsOn = r.dependsOn?.map(to);
      const next = renamed.get(r.address);
      if (next === undefined) return dependsOn ? { ...r, dependsOn } : r;
      const service = r.service === undefined ? {} : { service: nameAndIndex(next).name };
      return { ...r, address: next, movedFrom: r.movedFrom ?? r.address, ...service, ...(dependsOn ? { dependsOn } : {}) };
    }),
    observed: observed.map((o) => (renamed.has(o.address) && !o.foreign ? { ...o, address: to(o.address) } : o)),
  };
}

/**
 * A renamed resource whose other attributes are as planned: what the rename changes (its name
 * and what follows from it) is set aside for `plan` to compare the rest, and put back in the
 * change's `before`, so the plan shows old and new names side by side.
 */
export function withRenamedAttributes(recordedAttributes: Attributes, desired: Attributes, schema: ResourceSchema): Attributes {
  const out: Attributes = { ...recordedAttributes };
  for (const key of schema.rename?.attributes ?? []) {
    if (key in desired) out[key] = desired[key];
    else delete out[key];
  }
  return out;
}

/** The planned change of a moved resource: its real old names, and "moved" when nothing else changes. */
export function asMove(c: ResourceChange, recordedAttributes: Attributes, movedFrom: Address, schema: ResourceSchema): ResourceChange {
  const names: Attributes = {};
  for (const key of schema.rename?.attributes ?? []) if (key in recordedAttributes) names[key] = recordedAttributes[key];
  const before = c.before === null ? null : { ...c.before, ...names };
  if (c.actions[0] === "no-op") return { ...c, actions: ["update"], before, reason: "moved", movedFrom };
  return { ...c, before, movedFrom };
}

function serviceOf(r: RecordedResource): string | null {
  if (r.service !== undefined) return r.service;
  return typeof r.attributes.service === "string" ? r.attributes.service : nameAndIndex(r.address).name;
}
