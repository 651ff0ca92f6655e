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
  // orphan container on them carries no recorded dependencies to say so. Not after what they
  // themselves depend on (the discovery agent goes before the records it keeps current).
  const isShared = (c: ResourceChange) => c.service === null;
  for (const shared of steps) {
    if (!isShared(shared) || !isPureDelete(shared)) continue;
    const uses = dependencyClosure(shared, byAddress);
    for (const c of steps) {
      if (!isShared(c) && isPureDelete(c) && !uses.has(c.address)) before.get(shared.address)!.add(c.address);
    }
  }
  const order = new Map([...before].map(([k, v]) => [k, [...v].sort()]));
  refuseCycles(order);
  return order;
}

/** Everything a change depends on, directly or through others. */
function dependencyClosure(change: ResourceChange, byAddress: ReadonlyMap<Address, ResourceChange>): Set<Address> {
  const seen = new Set<Address>();
  const stack = [...change.dependsOn];
  while (stack.length > 0) {
    const address = stack.pop()!;
    if (seen.has(address)) continue;
    seen.add(address);
    stack.push(...(byAddress.get(address)?.dependsOn ?? []));
  }
  return seen;
}

/** A cycle would leave the executor waiting on itself: a bug in the edges, said plainly. */
function refuseCycles(order: ReadonlyMap<Address, readonly Address[]>): void {
  const state = new Map<Address, "visiting" | "done">();
  const visit = (address: Address, path: Address[]): void => {
    if (state.get(address) === "done") return;
    if (state.get(address) === "visiting") throw new Error(`bug: the apply order has a cycle: ${[...path.slice(path.indexOf(address)), address].join(" → ")}`);
    state.set(address, "visiting");
    for (const next of order.get(address) ?? []) visit(next, [...path, address]);
    state.set(address, "done");
  };
  for (const address of order.keys()) visit(address, []);
}
