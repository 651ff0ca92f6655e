import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import type { DesiredResource } from "../../src/core/types.js";
import { findNetworkId } from "./networks.js";
import { inspectVolumeOrNull } from "./volumes.js";

/**
 * An external network or volume must already exist: found at plan time, not half-way through
 * an apply. Berth never creates or deletes one.
 */
export async function checkExternalResources(docker: Docker, desired: readonly DesiredResource[]): Promise<void> {
  for (const d of desired) {
    if (d.attributes.external !== true || (d.type !== "network" && d.type !== "volume")) continue;
    const name = String(d.attributes.name);
    const exists = d.type === "network" ? (await findNetworkId(docker, name)) !== null : (await inspectVolumeOrNull(docker, name)) !== null;
    if (!exists) {
      throw new UserError(`E_EXTERNAL_${d.type.toUpperCase()}`, `${d.type} ${name} is declared external but does not exist; create it (docker ${d.type} create ${name}) or drop external: true`, {
        address: d.address,
      });
    }
  }
}
