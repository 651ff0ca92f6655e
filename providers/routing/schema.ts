import type { ProviderSchema, ResourceSchema } from "../../src/core/provider.js";

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
  },
  defaultRule: { update: "in-place" },
  createBeforeDestroy: () => true,
};

export const routingSchema: ProviderSchema = {
  route: routing,
  upstream: { ...routing, attributes: {} },
};
