import { describe, expect, it } from "vitest";
import { moveResources } from "../../../state/state-queries.js";
import type { StateFile } from "../../../state/backend.js";
import type { RecordedResource } from "../../../src/core/types.js";

const replica = (service: string, index: number): RecordedResource => ({
  address: `container.${service}[${index}]`,
  type: "container",
  provider: "docker",
  service,
  attributes: { name: `p_${service}_${index + 1}`, container_id: `id-${service}-${index}` },
});
const state: StateFile = {
  version: 1,
  lineage: "l",
  serial: 3,
  project: "p",
  resources: [replica("web", 0), replica("web", 1), replica("db", 0), replica("webapp", 0)],
};

describe("berth state mv", () => {
  it("moves every replica of a service, marking where each came from; the state itself is untouched", () => {
    const { resources, moved } = moveResources(state, "container.web", "container.api");
    expect(moved).toEqual([
      ["container.web[0]", "container.api[0]"],
      ["container.web[1]", "container.api[1]"],
    ]);
    expect(resources.map((r) => [r.address, r.service, r.movedFrom, r.attributes.container_id])).toEqual([
      ["container.api[0]", "api", "container.web[0]", "id-web-0"],
      ["container.api[1]", "api", "container.web[1]", "id-web-1"],
      ["container.db[0]", "db", undefined, "id-db-0"],
      // A service whose name only starts the same is not one of them.
      ["container.webapp[0]", "webapp", undefined, "id-webapp-0"],
    ]);
    expect(state.resources[0].address).toBe("container.web[0]");
  });

  it("keeps the first old address through a second move", () => {
    const once = { ...state, resources: moveResources(state, "container.web[1]", "container.api[1]").resources };
    expect(moveResources(once, "container.api[1]", "container.svc[1]").resources.find((r) => r.address === "container.svc[1]")?.movedFrom).toBe(
      "container.web[1]",
    );
  });

  it("refuses an address it does not hold, one already taken, or a change of type or shape", () => {
    expect(() => moveResources(state, "container.wbe", "container.api")).toThrow(expect.objectContaining({ code: "E_NO_SUCH_RESOURCE" }));
    expect(() => moveResources(state, "container.web[0]", "container.db[0]")).toThrow("the state already has container.db[0]");
    expect(() => moveResources(state, "container.web", "route.web")).toThrow("a container stays a container");
    expect(() => moveResources(state, "container.web", "container.api[0]")).toThrow("move one replica to one replica");
  });
});
