import type { AttributeRule, ProviderSchema } from "../../src/core/provider.js";
import type { Attributes } from "../../src/core/types.js";

/**
 * The limits Docker's container update changes on a running container. It can raise or lower
 * them but not lift memory or CPU limits once set (0 means "unchanged" to it), so taking one
 * away needs a new container; a pids limit can be lifted (-1).
 */
const UPDATABLE_LIMITS: Record<string, AttributeRule> = {
  mem_limit: { update: "in-place", replaceWhenUnset: true },
  mem_reservation: { update: "in-place", replaceWhenUnset: true },
  memswap_limit: { update: "in-place", replaceWhenUnset: true },
  cpus: { update: "in-place", replaceWhenUnset: true },
  cpu_shares: { update: "in-place", replaceWhenUnset: true },
  pids_limit: { update: "in-place" },
};

/** Names of the attributes docker-provider's update path sends to the engine's container update. */
export const UPDATED_IN_PLACE = Object.keys(UPDATABLE_LIMITS);

/**
 * Which container attributes Docker can change on a running container (restart policy, the
 * limits above, running/stopped) and which need a new container (everything else).
 */
export const dockerSchema: ProviderSchema = {
  network: {
    attributes: {
      name: { update: "replace" },
      project: { update: "replace" },
      network_id: { update: "computed" },
    },
    defaultRule: { update: "replace" },
  },
  container: {
    attributes: {
      restart: { update: "in-place" },
      ...UPDATABLE_LIMITS,
      running: { update: "in-place" },
      // How a later replacement rolls out: changing it changes nothing on the container.
      rollout: { update: "in-place" },
      container_id: { update: "computed" },
      published: { update: "computed" },
      config_hash: { update: "replace", digest: true },
      image_id: { update: "replace", resolvedAtPlan: true },
      environment: { update: "replace", sensitive: false },
    },
    defaultRule: { update: "replace" },
    // A routed replica with no fixed host port can run beside its replacement, so the router
    // never loses a backend: create the new one first.
    createBeforeDestroy: (after) => isRouted(after) && hasNoFixedHostPort(after),
  },
};

function isRouted(after: Attributes): boolean {
  const rollout = after.rollout as { create_before_destroy?: boolean } | undefined;
  return rollout?.create_before_destroy === true;
}

function hasNoFixedHostPort(after: Attributes): boolean {
  return Array.isArray(after.ports) && after.ports.every((p) => (p as { host_port: number | null }).host_port === null);
}
