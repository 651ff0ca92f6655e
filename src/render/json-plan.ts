/**
 * A Plan in the shape of Terraform's JSON plan (`terraform show -json`), so policy tools written
 * for it (OPA/conftest rules over resource_changes[].change.actions) work on Berth plans.
 * Masked like every other view; deterministic: object keys sorted at every level, 2-space indent.
 */
import type { DriftEntry, Plan, ResourceChange } from "../core/plan.js";
import type { Diagnostic } from "../core/errors.js";
import { MASK } from "../core/secrets.js";
import type { AttrValue, Attributes, ProviderName, ResourceType } from "../core/types.js";
import { maskPlan } from "./text-plan.js";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function renderPlanJson(plan: Plan): string {
  const shown = maskPlan(plan);
  const doc: Json = {
    format_version: shown.formatVersion,
    berth_version: shown.berthVersion,
    project: shown.project,
    state_serial: shown.stateSerial,
    state_lineage: shown.stateLineage,
    template_hash: shown.templateHash,
    resource_changes: shown.changes.map(changeJson),
    resource_drift: shown.drift.map((d) => driftJson(d, shown.changes)),
    observation_gaps: shown.gaps.map((g) => ({ provider: g.provider, reason: g.reason })),
    warnings: shown.warnings.map(diagnosticJson),
  };
  return `${JSON.stringify(sortKeys(doc), null, 2)}\n`;
}

function changeJson(c: ResourceChange): Json {
  return {
    address: c.address,
    mode: "managed",
    type: c.type,
    name: c.name,
    index: c.index,
    provider_name: `berth/${c.provider}`,
    action_reason: c.reason,
    change: {
      actions: [...c.actions],
      before: c.before,
      after: c.after,
      replace_paths: c.replacePaths.map((p) => [...p]),
      before_sensitive: sensitivity(c.before),
      after_sensitive: sensitivity(c.after),
    },
  };
}

/** Drift reads as the change the world made: an update, or a delete when the object is gone. */
function driftJson(d: DriftEntry, changes: ResourceChange[]): Json {
  const planned = changes.find((c) => c.address === d.address);
  const parsed = parseAddress(d.address, d.type);
  return {
    address: d.address,
    mode: "managed",
    type: d.type,
    name: planned?.name ?? parsed.name,
    index: planned ? planned.index : parsed.index,
    provider_name: `berth/${planned?.provider ?? PROVIDER_OF[d.type]}`,
    change: {
      actions: d.after === null ? ["delete"] : ["update"],
      before: d.before,
      after: d.after,
      replace_paths: [],
      before_sensitive: sensitivity(d.before),
      after_sensitive: sensitivity(d.after),
    },
  };
}

/** Which provider owns a resource type, for drift on an address the plan has no change for. */
const PROVIDER_OF: Record<ResourceType, ProviderName> = {
  network: "docker",
  container: "docker",
  image: "docker",
  route: "routing",
  upstream: "routing",
  discovery: "discovery",
};

function parseAddress(address: string, type: ResourceType): { name: string; index: number | null } {
  const rest = address.startsWith(`${type}.`) ? address.slice(type.length + 1) : address;
  const m = /^(.*)\[(\d+)\]$/.exec(rest);
  return m ? { name: m[1], index: Number(m[2]) } : { name: rest, index: null };
}

function diagnosticJson(d: Diagnostic): Json {
  const where: Json = d.where === undefined ? null : { ...d.where };
  return { severity: d.severity, code: d.code, message: d.message, where };
}

/**
 * Terraform's `*_sensitive` shape: the attributes' structure with `true` at each masked value,
 * non-sensitive map entries left out, list elements `false` where not sensitive; `{}` for none.
 */
function sensitivity(attrs: Attributes | null): Json {
  if (!attrs) return {};
  const marks = markOf(attrs);
  return marks === false ? {} : marks;
}

function markOf(value: AttrValue): Json {
  if (typeof value === "string") return value.includes(MASK);
  if (Array.isArray(value)) {
    const marks = value.map(markOf);
    return marks.some((m) => m !== false) ? marks : false;
  }
  if (value !== null && typeof value === "object") {
    const marked = Object.entries(value)
      .map(([k, v]) => [k, markOf(v)] as const)
      .filter(([, m]) => m !== false);
    return marked.length > 0 ? Object.fromEntries(marked) : false;
  }
  return false;
}

/** Object keys in code-unit order at every depth; arrays keep their order. */
export function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) if (value[key] !== undefined) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}
