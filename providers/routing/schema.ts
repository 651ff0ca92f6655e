import type { ProviderSchema, ResourceSchema } from "../../src/core/provider.js";

const NAMES = { update: "in-place", identifier: true } as const;

/**
 * Every route and upstream change is a new router configuration, reloaded without dropping a
 * connection: nothing needs a replacement. `rendered_config` (the nginx text a route renders
 * to, backends shown by address) is an ordinary attribute, so a plan shows it as a diff.
 * A replacement still happens when refresh finds drift (a hand-edited include file, a router
 * that is not running); it puts the new configuration in place before the old goes.
 */
const routing: ResourceSchema = {
  attributes: {
    rendered_config: { update: "in-place" },
    /** Computed: the router ran this route when it was last applied or observed. */
    serving: { update: "computed" },
    // Names and addresses: masking never rewrites them.
    name: NAMES,
    virtual_host: NAMES,
    context: NAMES,
    upstream: NAMES,
    services: NAMES,
    servers: NAMES,
    backends: NAMES,
  },
  defaultRule: { update: "in-place" },
  createBeforeDestroy: () => true,
};

export const routingSchema: ProviderSchema = {
  route: routing,
  // endpoints: where nginx reaches the servers ("127.0.0.1:32768"), the replicas' own values.
  upstream: { ...routing, attributes: { name: NAMES, servers: NAMES, endpoints: NAMES } },
};
