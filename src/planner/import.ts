import type { ImportCandidate, ImportEntry, ImportPlan, ImportSkipped } from "../core/import.js";
import type { ProviderSchema } from "../core/provider.js";
import type { AttrValue, Attributes, DesiredResource, ProviderName, RecordedResource } from "../core/types.js";
import { identifierPaths, normalizePaths, sensitivePaths } from "../core/secrets.js";
import { compareAddresses } from "../model/addresses.js";
import { ruleFor, sameValue } from "./attribute-diff.js";

export interface ImportInput {
  project: string;
  desired: readonly DesiredResource[];
  recorded: readonly RecordedResource[];
  stateLineage: string | null;
  stateSerial: number;
  candidates: readonly ImportCandidate[];
  schemas: Partial<Record<ProviderName, ProviderSchema>>;
}

/**
 * What `berth import` takes over, pure: each candidate the template has an address for and the
 * state does not know yet. The state records the template's attributes with what runs where it
 * differs (and what the engine assigned: IDs, ports), so the next plan is empty when the
 * template matches and shows each difference as the change that makes it match when not.
 */
export function planImport(input: ImportInput): ImportPlan {
  const desired = new Map(input.desired.map((d) => [d.address, d]));
  const recorded = new Set(input.recorded.map((r) => r.address));
  const imports: ImportEntry[] = [];
  const skipped: ImportSkipped[] = [];
  const taken = new Set<string>();
  for (const c of [...input.candidates].sort((a, b) => compareAddresses(a.address, b.address) || a.engineName.localeCompare(b.engineName))) {
    const d = desired.get(c.address);
    const skip = (reason: string) => skipped.push({ address: c.address, engineName: c.engineName, reason });
    if (!d) skip(`the template has no ${c.address}`);
    else if (recorded.has(c.address)) skip(`${c.address} is in the state already`);
    else if (taken.has(c.address)) skip(`${c.address} is imported from another ${c.type} already`);
    else {
      taken.add(c.address);
      imports.push(entryOf(c, d, input.schemas[c.provider]?.[c.type]));
    }
  }
  return { project: input.project, stateLineage: input.stateLineage, stateSerial: input.stateSerial, imports, skipped };
}

function entryOf(c: ImportCandidate, d: DesiredResource, schema: ProviderSchema[keyof ProviderSchema]): ImportEntry {
  const record: Attributes = { ...d.attributes };
  // What the engine assigned (IDs, published ports) is recorded as it is, like after a create.
  for (const [key, value] of Object.entries(c.observed)) if (ruleFor(schema, key).update === "computed") record[key] = value;
  for (const key of c.differing) record[key] = c.observed[key];
  if (c.renameTo === undefined && "name" in c.observed && !c.differing.includes("name")) record.name = d.attributes.name;
  const differences = c.differing.flatMap((key) => {
    const update = ruleFor(schema, key).update === "in-place" ? ("in-place" as const) : ("replace" as const);
    return differingEntries(key, d.attributes[key] ?? null, c.observed[key] ?? null).map((e) => ({ ...e, update }));
  });
  return {
    address: c.address,
    type: c.type,
    provider: c.provider,
    engineName: c.engineName,
    id: c.id,
    madeBy: c.madeBy,
    ...(c.renameTo ? { renameTo: c.renameTo } : {}),
    service: d.service,
    differences,
    record,
    dependsOn: [...d.dependsOn],
    sensitivePaths: normalizePaths([...sensitivePaths(d.attributes, schema), ...sensitivePaths(c.observed, schema)]),
    identifierPaths: identifierPaths(schema),
  };
}

/** A map names the entries that differ (environment.FOO), so a reviewer sees which; anything else whole. */
function differingEntries(key: string, template: AttrValue, running: AttrValue): { path: string[]; template: AttrValue; running: AttrValue }[] {
  const isMap = (v: AttrValue): v is { [k: string]: AttrValue } => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isMap(template) || !isMap(running)) return [{ path: [key], template, running }];
  const entries = [...new Set([...Object.keys(template), ...Object.keys(running)])].filter((k) => !sameValue(template[k], running[k])).sort();
  if (entries.length === 0) return [{ path: [key], template, running }];
  return entries.map((k) => ({ path: [key, k], template: template[k] ?? null, running: running[k] ?? null }));
}
