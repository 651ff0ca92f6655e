import type { DriftEntry, Plan } from "../core/plan.js";
import type { RecordedResource } from "../core/types.js";
import { identifierPaths, normalizePaths, sensitivePaths } from "../core/secrets.js";
import { detectDrift } from "./drift.js";
import { planOrigin, type PlanInput } from "./plan.js";

/**
 * Terraform's refresh-only plan, pure: what changed outside Berth, and nothing to change on the
 * engines. Applying it writes only the state (refreshedResources). The template is not read
 * for changes: a resource it wants and the state lacks is no concern of a refresh.
 */
export function planRefreshOnly(input: PlanInput): Plan {
  const observed = new Map(input.observation.resources.map((o) => [o.address, o]));
  const observedProviders = new Set(input.observation.observedProviders);
  const drift: DriftEntry[] = [];
  for (const r of input.recorded) {
    // A provider that could not look says nothing about its resources: they stay as recorded.
    if (!observedProviders.has(r.provider)) continue;
    const schema = input.schemas[r.provider]?.[r.type];
    const d = detectDrift(r, observed.get(r.address), schema);
    if (!d) continue;
    drift.push({
      ...d.entry,
      sensitivePaths: normalizePaths([...sensitivePaths(d.entry.before, schema), ...sensitivePaths(d.entry.after, schema), ...sensitivePaths(r.attributes, schema)]),
      identifierPaths: identifierPaths(schema),
    });
  }
  return {
    ...planOrigin(input),
    changes: [],
    drift,
    gaps: [...input.observation.gaps],
    warnings: [...(input.warnings ?? [])],
    kept: [],
    conflicts: [],
    refreshOnly: true,
  };
}

/** Whether applying the refresh-only plan would write anything: something changed outside Berth. */
export function refreshChangesState(plan: Plan): boolean {
  return plan.refreshOnly === true && plan.drift.length > 0;
}

/**
 * The state after accepting the drift: a resource removed outside Berth leaves the state, a
 * changed or stopped one is recorded as it runs (only the keys the provider observed change).
 */
export function refreshedResources(recorded: readonly RecordedResource[], drift: readonly DriftEntry[]): RecordedResource[] {
  const byAddress = new Map(drift.map((d) => [d.address, d]));
  return recorded.flatMap((r) => {
    const d = byAddress.get(r.address);
    if (!d) return [r];
    if (d.after === null) return [];
    return [{ ...r, attributes: { ...r.attributes, ...d.after } }];
  });
}
