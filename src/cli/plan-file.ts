import { readFile } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";
import { UserError } from "../core/errors.js";
import type { Plan, ResourceChange } from "../core/plan.js";
import { maskAttributes } from "../core/secrets.js";
import type { Attributes, DesiredResource } from "../core/types.js";
import { canonicalJson } from "../model/config-hash.js";

/**
 * A saved plan (`plan --out`). It holds no secret: values are masked as in every output, and
 * apply takes the real values from the template, whose hash must still match.
 */
export interface SavedPlan {
  kind: "berth-plan";
  version: 1;
  templateFile: string;
  destroy: boolean;
  plan: Plan;
}

export function maskPlan(plan: Plan): Plan {
  const mask = (a: Attributes | null) => (a ? maskAttributes(a) : null);
  return { ...plan, changes: plan.changes.map((c) => ({ ...c, before: mask(c.before), after: mask(c.after) })) };
}

export async function writePlanFile(path: string, saved: Omit<SavedPlan, "kind" | "version">): Promise<void> {
  const body: SavedPlan = { kind: "berth-plan", version: 1, ...saved, plan: maskPlan(saved.plan) };
  await writeFileAtomic(path, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
}

export async function readPlanFile(path: string): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UserError("E_PLAN_FILE", `cannot read plan file ${path}: ${(e as Error).message}`);
  }
  let parsed: SavedPlan;
  try {
    parsed = JSON.parse(text) as SavedPlan;
  } catch {
    throw new UserError("E_PLAN_FILE", `${path} is not a Berth plan file (not JSON)`);
  }
  if (parsed?.kind !== "berth-plan" || parsed.version !== 1 || !parsed.plan) {
    throw new UserError("E_PLAN_FILE", `${path} is not a Berth plan file`);
  }
  // Plans saved before kept resources and conflicts existed had neither.
  parsed.plan.kept ??= [];
  parsed.plan.conflicts ??= [];
  return parsed;
}

/**
 * Puts the real values back into a saved plan's masked `after`s from the template's desired
 * resources, and refuses if they no longer mask to what was reviewed.
 */
export function unmaskPlan(saved: Plan, desired: readonly DesiredResource[]): Plan {
  const byAddress = new Map(desired.map((d) => [d.address, d]));
  const changes = saved.changes.map((c): ResourceChange => {
    if (!c.after) return c;
    const d = byAddress.get(c.address);
    const real: Attributes = { ...c.after };
    if (d) for (const key of Object.keys(c.after)) if (key in d.attributes) real[key] = d.attributes[key];
    if (canonicalJson(maskAttributes(real)) !== canonicalJson(c.after)) {
      throw new UserError("E_PLAN_STALE", "the template no longer produces the reviewed plan; run `berth plan` again", {
        address: c.address,
      });
    }
    return { ...c, after: real };
  });
  return { ...saved, changes };
}
