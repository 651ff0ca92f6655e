import { describe, expect, it } from "vitest";
import { container, network, observation, observedAs, planOf, recorded, summarize } from "./fixtures.js";
import type { Attributes, DesiredResource, RecordedResource } from "../../../src/core/types.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { renderPlanJson } from "../../../src/render/json-plan.js";
import { maskPlan } from "../../../src/core/mask.js";

/** A replica as the model makes it: the name, aliases and config hash follow the service's name. */
function replica(service: string, index: number, attrs: Attributes = {}): DesiredResource {
  const d = container(service, index, {
    networks: { p_default: { aliases: [service, `${service}_${index + 1}`], ipv4_address: null, ipv6_address: null, priority: 0 } },
    rollout: { create_before_destroy: false, parallelism: 1 },
    ...attrs,
  });
  return { ...d, attributes: { ...d.attributes, config_hash: `h-${service}-${JSON.stringify(attrs)}` } };
}

const applied = (ds: DesiredResource[]): RecordedResource[] => ds.map((d) => ({ ...recorded(d), service: d.service }));

describe("moved: a renamed service", () => {
  it("renames its containers in place, shows where they moved from, and keeps their IDs", () => {
    const rec = applied([network, replica("web", 0), replica("web", 1)]);
    const p = planOf({
      desired: [network, replica("api", 0), replica("api", 1)],
      recorded: rec,
      observation: observation(rec.map((r) => observedAs(r))),
      moved: [{ from: "web", to: "api" }],
    });
    expect(summarize(p)).toEqual(["container.api[0]: update (moved)", "container.api[1]: update (moved)"]);
    const c = p.changes.find((x) => x.address === "container.api[0]")!;
    expect(c.movedFrom).toBe("container.web[0]");
    expect([c.before?.name, c.after?.name]).toEqual(["p_web_1", "p_api_1"]);
    expect(c.after?.container_id).toBe("id-container.web[0]");
    expect(p.drift).toEqual([]);
    const text = renderPlanText(maskPlan(p), { color: false });
    expect(text).toContain("# container.api[0] will be updated in-place (moved from container.web[0])");
    expect(text).toContain(`~ name        = "p_web_1" -> "p_api_1"`);
    expect(text).toContain("every replica of api is reconnected to its networks as it is renamed");
    const json = JSON.parse(renderPlanJson(maskPlan(p))) as { resource_changes: { address: string; previous_address?: string }[] };
    expect(json.resource_changes.find((x) => x.address === "container.api[0]")?.previous_address).toBe("container.web[0]");
    expect(json.resource_changes.find((x) => x.address === "network.default")).not.toHaveProperty("previous_address");
  });

  it("without the move, the same rename destroys and creates", () => {
    const rec = applied([network, replica("web", 0)]);
    const p = planOf({ desired: [network, replica("api", 0)], recorded: rec });
    expect(summarize(p)).toEqual(["container.api[0]: create (new)", "container.web[0]: delete (removed-from-template)"]);
  });

  it("a rename that also changes what forces replacement replaces, still shown as moved", () => {
    const rec = applied([network, replica("web", 0)]);
    const p = planOf({ desired: [network, replica("api", 0, { image: "berth/web:2" })], recorded: rec, moved: [{ from: "web", to: "api" }] });
    expect(summarize(p)).toEqual(["container.api[0]: delete,create (attributes-changed)"]);
    const c = p.changes[0];
    expect(c.movedFrom).toBe("container.web[0]");
    expect(c.replacePaths).toEqual([["image"]]);
    // The old container is the one deleted.
    expect(c.before?.name).toBe("p_web_1");
  });

  it("rejoining its networks under new aliases interrupts an only replica; applied once, a move is a no-op", () => {
    const rec = applied([network, replica("web", 0)]);
    const p = planOf({ desired: [network, replica("api", 0)], recorded: rec, moved: [{ from: "web", to: "api" }] });
    expect(p.changes[0].interruption).toBe("the only replica of api is reconnected to its networks as it is renamed: none serves meanwhile");
    const after = applied([network, replica("api", 0)]);
    expect(summarize(planOf({ desired: [network, replica("api", 0)], recorded: after, moved: [{ from: "web", to: "api" }] }))).toEqual([]);
  });

  it("a record `berth state mv` renamed is planned as a move too", () => {
    const [net, web] = applied([network, replica("web", 0)]);
    const mv: RecordedResource = { ...web, address: "container.api[0]", service: "api", movedFrom: "container.web[0]" };
    const p = planOf({ desired: [network, replica("api", 0)], recorded: [net, mv] });
    expect(summarize(p)).toEqual(["container.api[0]: update (moved)"]);
    expect(p.changes[0].movedFrom).toBe("container.web[0]");
  });

  it("moves only to an address the template wants", () => {
    const rec = applied([network, replica("web", 0), replica("web", 1)]);
    const p = planOf({ desired: [network, replica("api", 0)], recorded: rec, moved: [{ from: "web", to: "api" }] });
    expect(summarize(p)).toEqual(["container.api[0]: update (moved)", "container.web[1]: delete (removed-from-template)"]);
  });
});
