import { UserError } from "../core/errors.js";
import type { Plan } from "../core/plan.js";
import type { DesiredResource, ProviderName } from "../core/types.js";
import type { ProviderSchema } from "../core/provider.js";
import { plan } from "../planner/plan.js";
import { planRefreshOnly } from "../planner/refresh-only.js";
import { BERTH_VERSION } from "./version.js";
import { NOTHING_OBSERVED, observe, resolveLocally, type Workspace } from "./workspace.js";

export interface PlanFlags {
  refresh: boolean;
  target: string[];
  replace: string[];
  destroy: boolean;
  allowDestroy?: string[];
  /** destroy --volumes */
  destroyData?: boolean;
  replaceForeign?: string[];
  /** --refresh-only: what changed outside Berth, to be recorded in the state; nothing to change. */
  refreshOnly?: boolean;
  /** The workspace's desired resources are an applied configuration (berth rollback), not the template's. */
  pinned?: boolean;
}

/** Observe (unless --no-refresh), then ask the pure planner. */
export async function makePlan(ws: Workspace, flags: PlanFlags): Promise<Plan> {
  return (await planAndDesired(ws, flags)).plan;
}

/** The plan, and the desired resources it was made for (resolved: image IDs filled in). */
export async function planAndDesired(ws: Workspace, flags: PlanFlags): Promise<{ plan: Plan; desired: DesiredResource[] }> {
  if (flags.refreshOnly && (!flags.refresh || flags.destroy || flags.target.length > 0 || flags.replace.length > 0)) {
    throw new UserError("E_REFRESH_ONLY", "--refresh-only observes the engines and records what it finds: it cannot be combined with --no-refresh, --destroy, --target or --replace");
  }
  const { observation, desired } = flags.refresh
    ? await observe(ws, { destroy: flags.destroy, pinned: flags.pinned })
    : { observation: NOTHING_OBSERVED, desired: flags.destroy ? ws.desired : await resolveOffline(ws) };
  const made = (flags.refreshOnly ? planRefreshOnly : plan)({
    project: ws.project,
    berthVersion: BERTH_VERSION,
    templateHash: ws.template.hash,
    desired,
    recorded: ws.state?.resources ?? [],
    stateLineage: ws.state?.lineage ?? null,
    stateSerial: ws.state?.serial ?? 0,
    observation,
    schemas: schemasOf(ws),
    targets: flags.target,
    replace: flags.replace,
    destroy: flags.destroy,
    allowDestroy: flags.allowDestroy ?? [],
    destroyData: flags.destroyData ?? false,
    replaceForeign: flags.replaceForeign ?? [],
    warnings: ws.warnings,
    moved: ws.template.moved,
  });
  refuseUnconfiguredProviders(made, ws);
  return { plan: made, desired };
}

/**
 * A change no configured provider can carry out (a state applied with --engine swarm, planned
 * with the Docker engine; discovery records without --etcd) is refused at plan time, before
 * anything is applied, rather than failing halfway through the apply.
 */
function refuseUnconfiguredProviders(made: Plan, ws: Workspace): void {
  const stranded = made.changes.filter((c) => c.actions[0] !== "no-op" && !ws.providers.has(c.provider));
  if (stranded.length === 0) return;
  const providers = [...new Set(stranded.map((c) => c.provider))];
  const how = providers.map((p) => (p === "swarm" ? "--engine swarm" : p === "docker" ? "--engine docker" : p === "discovery" ? "--etcd ENDPOINTS" : `the ${p} provider`));
  throw new UserError(
    "E_PROVIDER",
    `the plan would change ${stranded.map((c) => c.address).join(", ")}, which the ${providers.join(" and ")} provider manages, ` +
      `but this run does not configure it: plan again with ${how.join(" and ")} (the state was applied with it); nothing was changed`,
    { address: stranded[0].address },
  );
}

/** With --no-refresh, only what providers can resolve without an engine (build contexts, the router's rendered files). */
async function resolveOffline(ws: Workspace): Promise<DesiredResource[]> {
  let desired = await resolveLocally(ws, ws.desired);
  for (const provider of ws.providers.values()) {
    if (!provider.resolvesOffline || !provider.resolveDesired) continue;
    const resolved = new Map((await provider.resolveDesired(desired.filter((d) => d.provider === provider.name))).map((d) => [d.address, d]));
    desired = desired.map((d) => resolved.get(d.address) ?? d);
  }
  return desired;
}

/**
 * Apply never removes what it did not make unless named: a plan with conflicts is shown, and
 * then refused, with the way out.
 */
export function refuseConflicts(plan: Plan): void {
  if (plan.conflicts.length === 0) return;
  const first = plan.conflicts[0];
  const others = plan.conflicts.length > 1 ? ` (and ${plan.conflicts.length - 1} more: ${plan.conflicts.slice(1).map((c) => c.address).join(", ")})` : "";
  throw new UserError(
    "E_CONFLICT",
    `${first.type} ${first.name} already exists and was not made by Berth for this project (${first.madeBy})${others}; nothing was changed. ${first.resolution}`,
    { address: first.address },
  );
}

export function schemasOf(ws: Workspace): Partial<Record<ProviderName, ProviderSchema>> {
  return Object.fromEntries([...ws.providers.values()].map((p) => [p.name, p.schema]));
}
