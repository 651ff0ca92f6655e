/**
 * Plan-level sections the text and Markdown views both print: the summary groups, the counts,
 * drift headlines, kept resources, conflicts and gaps, each as the same sentence in both.
 */
import type { DriftEntry, Plan } from "../core/plan.js";
import { countChanges, interruptingChanges, isNoOp, isReplace, type Conflict, type KeptResource, type ResourceChange } from "../core/plan.js";

export interface SummaryGroup {
  label: "destroy" | "replace" | "create" | "update in place";
  symbol: string;
  destructive: boolean;
  addresses: string[];
}

/** Addresses under each action, destructive groups first; empty groups left out. */
export function summaryGroups(plan: Plan): SummaryGroup[] {
  const groups: SummaryGroup[] = [
    { label: "destroy", symbol: "!", destructive: true, addresses: [] },
    { label: "replace", symbol: "!", destructive: true, addresses: [] },
    { label: "create", symbol: "+", destructive: false, addresses: [] },
    { label: "update in place", symbol: "~", destructive: false, addresses: [] },
  ];
  for (const c of plan.changes) {
    if (isNoOp(c)) continue;
    const at = isReplace(c) ? 1 : c.actions[0] === "delete" ? 0 : c.actions[0] === "create" ? 2 : 3;
    groups[at].addresses.push(c.address);
  }
  return groups.filter((g) => g.addresses.length > 0);
}

export function planCountsLine(plan: Plan): string {
  const n = countChanges(plan);
  return `Plan: ${n.add} to add, ${n.change} to change, ${n.destroy} to destroy.`;
}

/** "1 change interrupts service: container.db[0]", or null when traffic goes on throughout. */
export function interruptsHeadline(plan: Plan, list: (addresses: string[]) => string = (a) => a.join(", ")): string | null {
  const addresses = interruptingChanges(plan).map((c) => c.address);
  if (addresses.length === 0) return null;
  return `${addresses.length} change${addresses.length === 1 ? " interrupts" : "s interrupt"} service: ${list(addresses)}`;
}

/** "container.db[0]: the only replica of db is replaced destroy-first: none serves meanwhile" */
export function interruptionLine(c: ResourceChange): string {
  return `${c.address}: ${c.interruption ?? ""}`;
}

export function gapLine(gap: { provider: string; reason: string }): string {
  return `${gap.provider} could not be observed: ${gap.reason}`;
}

/** "container was removed" → "container.web[1] was removed outside Berth". */
export function driftHeadline(d: DriftEntry): string {
  const subject = d.summary.startsWith(`${d.type} `) ? `${d.address} ${d.summary.slice(d.type.length + 1)}` : `${d.address}: ${d.summary}`;
  return /outside/i.test(d.summary) ? subject : `${subject} outside Berth`;
}

/** "volume.db-data: it holds data; `berth destroy --volumes` deletes it" */
export function keptLine(k: KeptResource): string {
  return `${k.address} is not deleted: ${k.reason}`;
}

/** What holds the name, who made it, and the two ways out. */
export function conflictLine(c: Conflict): string {
  return `${c.address}: ${c.type} ${c.name} already exists and was not made by Berth for this project (${c.madeBy}); apply will not remove it. To resolve: ${c.resolution}`;
}

export const NO_CHANGES = "No changes. Your infrastructure matches the configuration.";

/** A refresh-only plan's ending: what applying it does (writes the state only), or that there is nothing to record. */
export function refreshOnlyLines(plan: Plan): string[] {
  if (plan.drift.length === 0) return ["No changes. The state still matches what runs: nothing changed outside Berth."];
  const n = plan.drift.length;
  return [
    "This is a refresh-only plan: applying it records these changes in the state and changes nothing that runs.",
    "(`berth apply` without --refresh-only would make what runs match the template instead.)",
    "",
    `Plan: the state is updated to match what runs for ${n} resource${n === 1 ? "" : "s"}; 0 to add, 0 to change, 0 to destroy.`,
  ];
}
