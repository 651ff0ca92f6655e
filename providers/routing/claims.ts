import { UserError } from "../../src/core/errors.js";
import type { StateHeader } from "./state-header.js";

/**
 * Several projects share the router; a virtual host (or a tcp port) belongs to one of them.
 * Pure: compares one project's routes with what the others' include files say they route.
 */

export interface Claim {
  address: string;
  host: string;
  /** tcp routes also claim the port they listen on. */
  tcpPort: number | null;
}

export function claimsOf(header: StateHeader): Claim[] {
  return header.resources
    .filter((r) => r.type === "route")
    .map((r) => ({
      address: r.address,
      host: String(r.attributes.virtual_host),
      tcpPort: r.attributes.protocol === "tcp" && Array.isArray(r.attributes.ports) ? Number(r.attributes.ports[0]) : null,
    }));
}

/** Throws E_ROUTE_CLAIMED (host) or E_ROUTE_TCP (port) for the first route another project already owns. */
export function checkClaims(project: string, mine: readonly Claim[], others: readonly StateHeader[], routerDir: string): void {
  for (const other of others) {
    if (other.project === project) continue;
    const theirs = claimsOf(other);
    for (const claim of mine) {
      if (theirs.some((t) => t.host === claim.host)) {
        throw new UserError(
          "E_ROUTE_CLAIMED",
          `virtual host ${claim.host} is already routed by project '${other.project}' on the shared router (${routerDir}); ` +
            `remove it from that project, or give this route another host`,
          { address: claim.address },
        );
      }
      const port = claim.tcpPort;
      if (port !== null && theirs.some((t) => t.tcpPort === port)) {
        throw new UserError("E_ROUTE_TCP", `tcp port ${port} of the router is already used by project '${other.project}'`, {
          address: claim.address,
        });
      }
    }
  }
}
