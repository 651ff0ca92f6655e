import { hasAction, isNoOp, type ResourceChange } from "../core/plan.js";
import type { Address } from "../core/types.js";

/**
 * For each change, the changes that must finish first. Creations and updates follow the
 * dependency graph (network, then linked services); pure deletions run it backwards (a
 * container goes before the network it sits on, a linking service before the linked one).
 */
export function prerequisites(changes: readonly ResourceChange[]): Map<Address, Address[]> {
  const steps = changes.filter((c) => !isNoOp(c));
  const byAddress = new Map(steps.map((c) => [c.address, c]));
  const isPureDelete = (c: ResourceChange) => c.actions.length === 1 && c.actions[0] === "delete";
  const before = new Map<Address, Set<Address>>(steps.map((c) => [c.address, new Set<Address>()]));

  for (const c of steps) {
    for (const dep of c.dependsOn) {
      const d = byAddress.get(dep);
      if (!d) continue;
      if (isPureDelete(c) && isPureDelete(d)) before.get(dep)!.add(c.address);
      // An update waits for what it depends on being created or updated: a route records the
      // configuration it rendered, which must already list the new replicas.
      else if (!isPureDelete(c) && (hasAction(d, "create") || hasAction(d, "update"))) before.get(c.address)!.add(dep);
    }
  }
  // What a change stops using goes after it: a replica leaves the router's upstream before it stops.
  for (const c of steps) {
    if (isPureDelete(c)) continue;
    for (const released of c.releases ?? []) {
      const d = byAddress.get(released);
      if (d && isPureDelete(d)) before.get(released)!.add(c.address);
    }
  }
  // Shared resources (networks, volumes: no service of their own) go last when they go: an
  // orphan container on them carries no recorded dependencies to say so.
  const isShared = (c: ResourceChange) => c.service === null;
  for (const shared of steps) {
    if (!isShared(shared) || !isPureDelete(shared)) continue;
    for (const c of steps) if (!isShared(c) && isPureDelete(c)) before.get(shared.address)!.add(c.address);
  }
  return new Map([...before].map(([k, v]) => [k, [...v].sort()]));
}
