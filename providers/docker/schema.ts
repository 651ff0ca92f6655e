import type { AttributeRule, ProviderSchema } from "../../src/core/provider.js";
import type { Attributes } from "../../src/core/types.js";
import { protectedByLabel } from "../../src/core/lifecycle.js";

const NAMES = { update: "replace", identifier: true } as const;

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
      name: { update: "replace", identifier: true },
      project: { update: "replace", identifier: true },
      network_id: { update: "computed", identifier: true },
    },
    defaultRule: { update: "replace" },
    protectedFromDestroy: protectedByLabel,
  },
  volume: {
    attributes: {
      name: NAMES,
      project: NAMES,
    },
    // Docker changes nothing on a volume: any difference needs a new one, and that loses the
    // data, so the planner refuses it unless --allow-destroy names the volume.
    defaultRule: { update: "replace" },
    holdsData: true,
    adoptsForeign: true,
    protectedFromDestroy: protectedByLabel,
  },
  container: {
    attributes: {
      restart: { update: "in-place" },
      ...UPDATABLE_LIMITS,
      running: { update: "in-place", liveness: true },
      // Whether exiting with code 0 is the container's desired end: nothing on the container changes.
      one_shot: { update: "in-place" },
      // How a later replacement rolls out: changing it changes nothing on the container.
      rollout: { update: "in-place" },
      container_id: { update: "computed", identifier: true },
      published: { update: "computed" },
      // Ports are assigned again when a stopped container starts: what routes to it follows.
      endpoints: { update: "computed", recomputedOnUpdate: true, identifier: true },
      config_hash: { update: "replace", digest: true, identifier: true },
      image_id: { update: "replace", resolvedAtPlan: true, identifier: true },
      environment: { update: "replace", sensitive: false },
      // Names are never masked: a secret equal to one is not secret, and a warning says so.
      name: NAMES,
      project: NAMES,
      service: NAMES,
      image: NAMES,
      network_mode: NAMES,
      volumes_from: NAMES,
      networks: NAMES,
      volumes: NAMES,
      // Paths in the container and the names of the secrets and configs written there.
      files: NAMES,
      hostname: NAMES,
      working_dir: NAMES,
      extra_hosts: NAMES,
      // Which source a later create uses: nothing on the running container changes.
      pull_policy: { update: "in-place" },
    },
    defaultRule: { update: "replace" },
    protectedFromDestroy: protectedByLabel,
    // A routed replica with no fixed host port can run beside its replacement, so the router
    // never loses a backend: create the new one first.
    createBeforeDestroy: (after) => isRouted(after) && hasNoFixedHostPort(after),
    rolloutParallelism: (after) => {
      const rollout = after.rollout;
      if (rollout === null || typeof rollout !== "object" || Array.isArray(rollout)) return null;
      return Number(rollout.parallelism ?? 1) || 1;
    },
  },
  image: {
    attributes: {
      // Where the files live does not change what they build: their digest says that.
      context: { update: "in-place", identifier: true },
      // Whether a later apply may build: nothing about the image changes.
      policy: { update: "in-place" },
      // File names and their digests: never secrets, even when a file is called "api.key".
      files: { update: "replace", resolvedAtPlan: true, identifier: true },
      context_digest: { update: "replace", digest: true, resolvedAtPlan: true, identifier: true },
      image_id: { update: "computed", identifier: true },
      tag: NAMES,
      project: NAMES,
      service: NAMES,
    },
    defaultRule: { update: "replace" },
    protectedFromDestroy: protectedByLabel,
    // The new image is built before the old one is let go: the old containers keep running on it.
    createBeforeDestroy: () => true,
  },
};

function isRouted(after: Attributes): boolean {
  const rollout = after.rollout as { create_before_destroy?: boolean } | undefined;
  return rollout?.create_before_destroy === true;
}

function hasNoFixedHostPort(after: Attributes): boolean {
  return Array.isArray(after.ports) && after.ports.every((p) => (p as { host_port: number | null }).host_port === null);
}
