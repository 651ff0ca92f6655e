import type { ProviderSchema } from "../../src/core/provider.js";

const NAMES = { update: "replace", identifier: true } as const;
const IN_PLACE_NAMES = { update: "in-place", identifier: true } as const;

/**
 * A swarm changes a service in place (`docker service update`), rolling its tasks as its
 * update_config says: only the service's name forces a new one. Networks, configs and secrets
 * never change: a difference is a new object.
 */
export const swarmSchema: ProviderSchema = {
  service: {
    attributes: {
      name: NAMES,
      project: NAMES,
      service: NAMES,
      image: IN_PLACE_NAMES,
      image_digest: { update: "in-place", resolvedAtPlan: true, identifier: true },
      environment: { update: "in-place", sensitive: false },
      networks: IN_PLACE_NAMES,
      configs: IN_PLACE_NAMES,
      secrets: IN_PLACE_NAMES,
      mounts: IN_PLACE_NAMES,
      placement: IN_PLACE_NAMES,
      hostname: IN_PLACE_NAMES,
      working_dir: IN_PLACE_NAMES,
      service_id: { update: "computed", identifier: true },
    },
    defaultRule: { update: "in-place" },
    // Scaled or updated by hand, or tasks missing on a node that went down: an update converges it again.
    driftUpdatesInPlace: true,
  },
  network: {
    attributes: {
      name: NAMES,
      project: NAMES,
      key: NAMES,
      network_id: { update: "computed", identifier: true },
    },
    defaultRule: { update: "replace" },
  },
  config: {
    attributes: {
      name: NAMES,
      project: NAMES,
      key: NAMES,
      digest: { update: "replace", digest: true, identifier: true },
      object_id: { update: "computed", identifier: true },
    },
    defaultRule: { update: "replace" },
    // The new object exists before the services move to it; the old one goes once nothing uses it.
    createBeforeDestroy: () => true,
  },
  secret: {
    attributes: {
      name: NAMES,
      project: NAMES,
      key: NAMES,
      digest: { update: "replace", digest: true, identifier: true },
      content: { update: "replace", sensitive: true },
      object_id: { update: "computed", identifier: true },
    },
    defaultRule: { update: "replace" },
    createBeforeDestroy: () => true,
  },
};
