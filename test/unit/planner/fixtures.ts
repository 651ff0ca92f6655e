import type { Attributes, DesiredResource, Observation, ObservedResource, RecordedResource } from "../../../src/core/types.js";
import { dockerSchema } from "../../../providers/docker/schema.js";
import { plan, type PlanInput } from "../../../src/planner/plan.js";
import type { Plan } from "../../../src/core/plan.js";

/** A small hand-built world: the planner tests read like compose's reconcile tests. */
export function container(service: string, index: number, attrs: Attributes = {}): DesiredResource {
  return {
    address: `container.${service}[${index}]`,
    type: "container",
    provider: "docker",
    name: service,
    index,
    service,
    attributes: {
      name: `p_${service}_${index + 1}`,
      service,
      image: "berth/web:1",
      image_id: null,
      restart: "no",
      environment: {},
      ports: [],
      labels: {},
      running: true,
      config_hash: `h-${service}-${JSON.stringify(attrs)}`,
      ...attrs,
    },
    dependsOn: ["network.default"],
  };
}

export const network: DesiredResource = {
  address: "network.default",
  type: "network",
  provider: "docker",
  name: "default",
  index: null,
  service: null,
  attributes: { name: "p_default", project: "p" },
  dependsOn: [],
};

/** What apply would record for a desired resource (with its computed ID). */
export function recorded(d: DesiredResource, extra: Attributes = {}): RecordedResource {
  const computed: Attributes = d.type === "container" ? { container_id: `id-${d.address}`, published: {} } : { network_id: "net-1" };
  return { address: d.address, type: d.type, provider: d.provider, attributes: { ...d.attributes, ...computed, ...extra }, dependsOn: d.dependsOn };
}

/** What the engine reports for a recorded resource that is running as recorded. */
export function observedAs(r: RecordedResource, extra: Attributes = {}): ObservedResource {
  const keys = r.type === "container" ? ["name", "container_id", "running", "config_hash"] : ["name", "network_id"];
  const attributes: Attributes = {};
  for (const k of keys) if (k in r.attributes) attributes[k] = r.attributes[k];
  return { address: r.address, type: r.type, provider: r.provider, attributes: { ...attributes, ...extra } };
}

export function observation(resources: ObservedResource[]): Observation {
  return { resources, gaps: [], observedProviders: ["docker"] };
}

export function planOf(input: Partial<PlanInput> & Pick<PlanInput, "desired" | "recorded">): Plan {
  return plan({
    project: "p",
    berthVersion: "test",
    templateHash: "hash",
    stateLineage: "lineage",
    stateSerial: 1,
    observation: { resources: [], gaps: [], observedProviders: [] },
    schemas: { docker: dockerSchema },
    ...input,
  });
}

/** "container.web[0]: delete,create (attributes-changed)" — one line per change, easy to compare. */
export function summarize(p: Plan): string[] {
  return p.changes.filter((c) => c.actions[0] !== "no-op").map((c) => `${c.address}: ${c.actions.join(",")} (${c.reason})`);
}
