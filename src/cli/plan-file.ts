import { readFile } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";
import { UserError } from "../core/errors.js";
import { maskPlan } from "../core/mask.js";
import type { MaskedPlan, Plan, ResourceChange } from "../core/plan.js";
import { MASK, SENSITIVE_CHANGED } from "../core/secrets.js";
import type { Attributes, DesiredResource } from "../core/types.js";
import { canonicalJson } from "../core/hash.js";

/**
 * A saved plan (`plan --out`). It holds no secret: it is the masked plan every output shows
 * (changes, drift, warnings, gaps), and apply takes the real values from the template, whose
 * hash must still match.
 */
export interface SavedPlan {
  kind: "berth-plan";
  version: 1;
  templateFile: string;
  destroy: boolean;
  plan: MaskedPlan;
}

export async function writePlanFile(path: string, saved: Omit<SavedPlan, "kind" | "version">): Promise<void> {
  const body: SavedPlan = { kind: "berth-plan", version: 1, ...saved };
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
  if (!hasMaskingPaths(parsed.plan)) {
    throw new UserError("E_PLAN_FILE", `${path} was saved by an older Berth that did not record what is secret; run \`berth plan --out\` again`);
  }
  // Plans saved before kept resources and conflicts existed had neither.
  parsed.plan.kept ??= [];
  parsed.plan.conflicts ??= [];
  // Masked again (it changes nothing in a plan Berth wrote): a hand-edited file shows no more than any plan.
  return { ...parsed, plan: maskPlan(parsed.plan) };
}

function hasMaskingPaths(plan: Plan): boolean {
  const entries: { sensitivePaths?: unknown; identifierPaths?: unknown }[] = [...(plan.changes ?? []), ...(plan.drift ?? [])];
  return entries.every((e) => Array.isArray(e.sensitivePaths) && Array.isArray(e.identifierPaths));
}

/**
 * Puts the real values back into a saved plan's masked `after`s from the template's desired
 * resources, and refuses if they no longer mask to what was reviewed.
 */
export function unmaskPlan(saved: MaskedPlan, desired: readonly DesiredResource[]): Plan {
  const byAddress = new Map(desired.map((d) => [d.address, d]));
  const changes = saved.changes.map((c): ResourceChange => {
    if (!c.after) return c;
    const d = byAddress.get(c.address);
    const real: Attributes = { ...c.after };
    if (d) for (const key of Object.keys(c.after)) if (key in d.attributes) real[key] = d.attributes[key];
    return { ...c, after: real };
  });
  const { masked: _masked, ...unmasked } = { ...saved, changes };
  // The same mask over the real values must give back what was reviewed.
  const remasked = maskPlan(unmasked);
  remasked.changes.forEach((c, i) => {
    if (sameShown(c.after, saved.changes[i].after)) return;
    throw new UserError("E_PLAN_STALE", "the template no longer produces the reviewed plan; run `berth plan` again", {
      address: c.address,
    });
  });
  return unmasked;
}

/** Whether a secret changed is told from the real before, which a saved plan no longer has. */
function sameShown(a: Attributes | null, b: Attributes | null): boolean {
  const shown = (x: Attributes | null) => canonicalJson(x).split(SENSITIVE_CHANGED).join(MASK);
  return shown(a) === shown(b);
}
