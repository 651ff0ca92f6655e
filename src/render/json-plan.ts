/**
 * A Plan in the shape of Terraform's JSON plan (`terraform show -json`), so policy tools written
 * for it (OPA/conftest rules over resource_changes[].change.actions) work on Berth plans.
 * Takes the masked plan like every other view; deterministic: object keys sorted at every level, 2-space indent.
 */
import type { DriftEntry, MaskedPlan, ResourceChange } from "../core/plan.js";
import type { Diagnostic } from "../core/errors.js";
import { MASK, SENSITIVE_CHANGED } from "../core/secrets.js";
import type { AttrValue, Attributes } from "../core/types.js";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function renderPlanJson(shown: MaskedPlan): string {
  const doc: Json = {
    format_version: shown.formatVersion,
    berth_version: shown.berthVersion,
    project: shown.project,
    state_serial: shown.stateSerial,
    state_lineage: shown.stateLineage,
    template_hash: shown.templateHash,
    resource_changes: shown.changes.map(changeJson),
    resource_drift: shown.drift.map(driftJson),
    observation_gaps: shown.gaps.map((g) => ({ provider: g.provider, reason: g.reason })),
    warnings: shown.warnings.map(diagnosticJson),
    // Not in Terraform's shape: what the plan deliberately leaves alone, and what blocks apply.
    kept_resources: shown.kept.map((k) => ({ address: k.address, type: k.type, reason: k.reason })),
    conflicts: shown.conflicts.map((c) => ({ address: c.address, type: c.type, name: c.name, made_by: c.madeBy, resolution: c.resolution })),
    // Terraform's plan mode, only when it is not the normal one: applying writes only the state.
    ...(shown.refreshOnly ? { refresh_only: true } : {}),
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
    // Not in Terraform's shape: whether carrying the change out interrupts traffic, and why.
    interrupts: c.interruption !== undefined,
    interruption: c.interruption ?? null,
    // Terraform's key for a moved resource's old address, present only on a move.
    ...(c.movedFrom ? { previous_address: c.movedFrom } : {}),
    depends_on: dependenciesJson(c),
    change: {
      actions: [...c.actions],
      before: c.before,
      after: c.after,
      // Terraform's shape: true for each attribute known only after apply.
      after_unknown: Object.fromEntries((c.knownAfterApply ?? []).map((k) => [k, true])),
      replace_paths: c.replacePaths.map((p) => [...p]),
      before_sensitive: sensitivity(c.before),
      after_sensitive: sensitivity(c.after),
    },
  };
}

/**
 * Each dependency with what it must reach before this resource is created (null: only exist
 * first), whether it is required, and whether its changes restart this resource.
 */
function dependenciesJson(c: ResourceChange): Json {
  return c.dependsOn.map((address) => {
    const edge = c.conditions?.[address];
    return { address, condition: edge?.condition ?? null, required: edge?.required ?? true, restart: edge?.restart ?? false };
  });
}

/** Drift reads as the change the world made: an update, or a delete when the object is gone. */
function driftJson(d: DriftEntry): Json {
  return {
    address: d.address,
    mode: "managed",
    type: d.type,
    name: d.name,
    index: d.index,
    provider_name: `berth/${d.provider}`,
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
  if (typeof value === "string") return value.includes(MASK) || value.includes(SENSITIVE_CHANGED);
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
