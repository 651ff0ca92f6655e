import type { References } from "./references.js";
import type { Address, Attributes, DependencyCondition, ObservationGap, ProviderName, ResourceType } from "./types.js";
import type { Diagnostic } from "./errors.js";

export type Action = "no-op" | "create" | "update" | "delete";
export type Actions = ["no-op"] | ["create"] | ["update"] | ["delete"] | ["delete", "create"] | ["create", "delete"];

/** Why the planner chose an action; shown beside the resource in every view. */
export type ChangeReason =
  | "new"
  | "removed-from-template"
  | "scaled-down"
  | "attributes-changed"
  | "forced-by-replace"
  | "drift-missing"
  | "drift-changed"
  | "drift-stopped"
  | "orphan"
  | "adopted"
  | "foreign-replaced"
  /** A dependency it restarts with (depends_on.restart) is replaced or updated: restarted in place. */
  | "dependency-changed"
  /** Renamed in the template (x-berth-moved) or the state (state mv): renamed in place, nothing else changes. */
  | "moved";

export interface ResourceChange {
  address: Address;
  type: ResourceType;
  provider: ProviderName;
  name: string;
  index: number | null;
  service: string | null;
  actions: Actions;
  before: Attributes | null;
  after: Attributes | null;
  /** Attribute paths that forced a replacement, e.g. [["image"], ["environment","A"]]. */
  replacePaths: string[][];
  /** Attribute paths whose values are secret, in before or after (src/core/secrets.ts decides). */
  sensitivePaths: string[][];
  /** Attribute paths that name things: masking never rewrites them. */
  identifierPaths: string[][];
  reason: ChangeReason | null;
  dependsOn: Address[];
  /** Conditions on some of `dependsOn` (absent: each only has to exist first). */
  conditions?: Record<Address, DependencyCondition>;
  /** reason "dependency-changed": the dependencies whose changes restart this one. */
  restartedBy?: Address[];
  /**
   * Set when carrying out this change interrupts traffic, with why in words
   * (src/planner/interrupts.ts decides); absent when traffic goes on.
   */
  interruption?: string;
  /** Dependencies of the applied resource that this change stops using: deleted only after it. */
  releases?: Address[];
  /** The address this resource was recorded under before a rename (x-berth-moved, state mv): shown as "moved from". */
  movedFrom?: Address;
  /** Attributes whose values are other resources' (see DesiredResource.references). */
  references?: References;
  /** Attributes `after` leaves out because they are known only after apply: the executor fills them in. */
  knownAfterApply?: string[];
}

export interface DriftEntry {
  address: Address;
  type: ResourceType;
  /** Who observed it, and its name and index as in a change: JSON shows drift in the same shape. */
  provider: ProviderName;
  name: string;
  index: number | null;
  /** What changed outside Berth, in words: "container was removed", "container is stopped". */
  summary: string;
  before: Attributes | null;
  after: Attributes | null;
  sensitivePaths: string[][];
  identifierPaths: string[][];
}

/** A resource the plan leaves alone although it left the template or is being destroyed: it holds data. */
export interface KeptResource {
  address: Address;
  type: ResourceType;
  /** Why it stays and how to delete it: "it holds data; --volumes deletes it". */
  reason: string;
}

/**
 * Something not made by Berth for this project holds a name the plan needs. Apply refuses
 * until the user adopts it or names it for removal: nothing outside the plan is ever removed.
 */
export interface Conflict {
  address: Address;
  type: ResourceType;
  /** The engine's name for it ("shop_db_1"). */
  name: string;
  madeBy: string;
  /** How to resolve it, in words. */
  resolution: string;
}

export interface Plan {
  formatVersion: "1.0";
  berthVersion: string;
  project: string;
  /** The state this plan was made against: applying it after the state moved is refused. */
  stateLineage: string | null;
  stateSerial: number;
  templateHash: string;
  changes: ResourceChange[];
  drift: DriftEntry[];
  gaps: ObservationGap[];
  warnings: Diagnostic[];
  kept: KeptResource[];
  conflicts: Conflict[];
  /**
   * `--refresh-only`: no change to anything that runs; applying it records the drift in the
   * state (Terraform's refresh-only mode). Absent in every other plan.
   */
  refreshOnly?: boolean;
}

/**
 * A plan safe to show or save: made only by maskPlan (src/core/mask.ts). Every view and the
 * saved plan take this type, so an unmasked plan cannot reach an output by mistake.
 */
export type MaskedPlan = Plan & { readonly masked: true };

/** Whether the change includes this action (a replacement includes both create and delete). */
export function hasAction(c: { actions: Actions }, action: Action): boolean {
  return (c.actions as readonly Action[]).includes(action);
}

export function isNoOp(c: ResourceChange): boolean {
  return c.actions[0] === "no-op";
}

export function isDestructive(c: ResourceChange): boolean {
  return hasAction(c, "delete");
}

export function isReplace(c: ResourceChange): boolean {
  return c.actions.length === 2;
}

export interface PlanCounts {
  add: number;
  change: number;
  destroy: number;
}

/** Terraform counts a replacement as one add and one destroy. */
export function countChanges(plan: Plan): PlanCounts {
  const counts = { add: 0, change: 0, destroy: 0 };
  for (const c of plan.changes) {
    if (hasAction(c, "create")) counts.add++;
    if (hasAction(c, "delete")) counts.destroy++;
    if (c.actions[0] === "update") counts.change++;
  }
  return counts;
}

/** The changes that interrupt service, in plan order. */
export function interruptingChanges(plan: Plan): ResourceChange[] {
  return plan.changes.filter((c) => c.interruption !== undefined);
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => !isNoOp(c));
}
