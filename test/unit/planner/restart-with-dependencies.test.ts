import { maskPlan } from "../../../src/core/mask.js";
import { describe, expect, it } from "vitest";
import type { DependencyCondition, DesiredResource } from "../../../src/core/types.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { container, network, observation, observedAs, planOf, recorded, summarize } from "./fixtures.js";

const edge = (condition: string, restart: boolean): DependencyCondition => ({ condition, required: true, restart });

/** web depends on db (service_healthy); `restart` decides whether db's changes restart web. */
function world(restart: boolean, dbAttrs = {}): { desired: DesiredResource[]; recordedBefore: ReturnType<typeof recorded>[] } {
  const db = container("db", 0);
  const web: DesiredResource = {
    ...container("web", 0),
    dependsOn: ["network.default", "container.db[0]"],
    conditions: { "container.db[0]": edge("service_healthy", restart) },
  };
  const recordedBefore = [network, db, web].map((d) => recorded(d));
  return { desired: [network, { ...db, attributes: { ...db.attributes, ...dbAttrs } }, web], recordedBefore };
}

describe("depends_on restart: true", () => {
  it("a replaced dependency restarts the dependent: an in-place update after it, with the reason", () => {
    const { desired, recordedBefore } = world(true, { image: "berth/db:2" });
    const p = planOf({ desired, recorded: recordedBefore, observation: observation(recordedBefore.map((r) => observedAs(r))) });
    expect(summarize(p)).toEqual(["container.db[0]: delete,create (attributes-changed)", "container.web[0]: update (dependency-changed)"]);
    const web = p.changes.find((c) => c.address === "container.web[0]")!;
    expect(web.restartedBy).toEqual(["container.db[0]"]);
    expect(web.after?.container_id).toBe("id-container.web[0]");
    expect(renderPlanText(maskPlan(p), { color: false })).toContain(
      "# container.web[0] will be updated in-place (restarts after its dependencies change: container.db[0])",
    );
  });

  it("an in-place update of the dependency restarts it too", () => {
    const { desired, recordedBefore } = world(true, { restart: "always" });
    expect(summarize(planOf({ desired, recorded: recordedBefore }))).toEqual([
      "container.db[0]: update (attributes-changed)",
      "container.web[0]: update (dependency-changed)",
    ]);
  });

  it("without restart: true only the dependency changes", () => {
    const { desired, recordedBefore } = world(false, { image: "berth/db:2" });
    expect(summarize(planOf({ desired, recorded: recordedBefore }))).toEqual(["container.db[0]: delete,create (attributes-changed)"]);
  });

  it("nothing changes when the dependency does not", () => {
    const { desired, recordedBefore } = world(true);
    expect(summarize(planOf({ desired, recorded: recordedBefore }))).toEqual([]);
  });

  it("passes down a chain of restart edges, and a replaced dependent stays a replacement", () => {
    const { desired, recordedBefore } = world(true, { image: "berth/db:2" });
    const worker: DesiredResource = {
      ...container("worker", 0),
      dependsOn: ["network.default", "container.web[0]"],
      conditions: { "container.web[0]": edge("service_started", true) },
    };
    const replacedToo = { ...desired[2], attributes: { ...desired[2].attributes, image: "berth/web:2" } };
    expect(summarize(planOf({ desired: [...desired, worker], recorded: [...recordedBefore, recorded(worker)] }))).toEqual([
      "container.db[0]: delete,create (attributes-changed)",
      "container.web[0]: update (dependency-changed)",
      "container.worker[0]: update (dependency-changed)",
    ]);
    expect(summarize(planOf({ desired: [desired[0], desired[1], replacedToo], recorded: recordedBefore }))).toEqual([
      "container.db[0]: delete,create (attributes-changed)",
      "container.web[0]: delete,create (attributes-changed)",
    ]);
  });

  it("the plan carries each change's conditions for the provider", () => {
    const { desired, recordedBefore } = world(true, { image: "berth/db:2" });
    const web = planOf({ desired, recorded: recordedBefore }).changes.find((c) => c.address === "container.web[0]")!;
    expect(web.conditions).toEqual({ "container.db[0]": edge("service_healthy", true) });
  });
});
