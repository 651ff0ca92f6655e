import type { ProviderSchema } from "../../src/core/provider.js";
import type { Attributes } from "../../src/core/types.js";

/**
 * Which container attributes Docker can change on a running container (restart policy,
 * running/stopped) and which need a new container (everything else).
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
      running: { update: "in-place" },
      // How a later replacement rolls out: changing it changes nothing on the container.
      rollout: { update: "in-place" },
      container_id: { update: "computed" },
      published: { update: "computed" },
      config_hash: { update: "replace", digest: true },
      image_id: { update: "replace", resolvedAtPlan: true },
      environment: { update: "replace", sensitive: false },
      // Which source a later create uses: nothing on the running container changes.
      pull_policy: { update: "in-place" },
    },
    defaultRule: { update: "replace" },
    // A routed replica with no fixed host port can run beside its replacement, so the router
    // never loses a backend: create the new one first.
    createBeforeDestroy: (after) => isRouted(after) && hasNoFixedHostPort(after),
  },
  image: {
    attributes: {
      // Where the files live does not change what they build: their digest says that.
      context: { update: "in-place" },
      // Whether a later apply may build: nothing about the image changes.
      policy: { update: "in-place" },
      files: { update: "replace", resolvedAtPlan: true },
      context_digest: { update: "replace", digest: true, resolvedAtPlan: true },
      image_id: { update: "computed" },
    },
    defaultRule: { update: "replace" },
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
