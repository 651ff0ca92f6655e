import { maskPlan } from "../../../src/core/mask.js";
import { describe, expect, it } from "vitest";
import { hasAction } from "../../../src/core/plan.js";
import type { DesiredResource, ObservedResource } from "../../../src/core/types.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { container, network, observation, observedAs, planOf, recorded, summarize } from "./fixtures.js";

const volume: DesiredResource = {
  address: "volume.db-data",
  type: "volume",
  provider: "docker",
  name: "db-data",
  index: null,
  service: null,
  attributes: { name: "p_db-data", project: "p", driver: "local", driver_opts: {}, labels: {}, external: false },
  dependsOn: [],
};
const db = { ...container("db", 0, { volumes: ["p_db-data:/var/lib/mysql"] }), dependsOn: ["network.default", "volume.db-data"] };
const applied = [recorded(network), { ...recorded(volume), attributes: { ...volume.attributes } }, recorded(db)];
const running = observation(applied.map((r) => observedAs(r)));

describe("planner: data is never lost unless asked for", () => {
  it("destroy keeps a volume and says so; --volumes deletes it, after the container that mounts it", () => {
    const p = planOf({ desired: [], recorded: applied, observation: running, destroy: true });
    expect(summarize(p)).toEqual(["container.db[0]: delete (removed-from-template)", "network.default: delete (removed-from-template)"]);
    expect(p.kept).toEqual([{ address: "volume.db-data", type: "volume", reason: "it holds data; `berth destroy --volumes` deletes it" }]);
    expect(renderPlanText(maskPlan(p), { color: false })).toContain("Kept: volume.db-data is not deleted: it holds data; `berth destroy --volumes` deletes it");

    const all = planOf({ desired: [], recorded: applied, observation: running, destroy: true, destroyData: true });
    expect(summarize(all)).toContain("volume.db-data: delete (removed-from-template)");
    expect(all.changes.find((c) => c.address === "volume.db-data")!.dependsOn).toEqual([]);
    expect(all.kept).toEqual([]);
  });

  it("a volume that left the template is kept unless --allow-destroy names it", () => {
    const p = planOf({ desired: [network, container("db", 0)], recorded: applied, observation: running });
    expect(p.changes.some((c) => c.address === "volume.db-data" && c.actions[0] === "delete")).toBe(false);
    expect(p.kept[0].reason).toContain("--allow-destroy volume.db-data deletes it");
    const allowed = planOf({ desired: [network, container("db", 0)], recorded: applied, observation: running, allowDestroy: ["volume.db-data"] });
    expect(summarize(allowed)).toContain("volume.db-data: delete (removed-from-template)");
  });

  it("a change that would replace a volume is refused, naming the volume and the flag", () => {
    const changed = { ...volume, attributes: { ...volume.attributes, driver: "nfs" } };
    expect(() => planOf({ desired: [network, changed, db], recorded: applied, observation: running })).toThrow(
      /would delete volume.db-data \(driver changed\), which holds data; pass --allow-destroy volume.db-data/,
    );
  });

  it("a labelled volume in neither template nor state is kept, not deleted as an orphan", () => {
    const stray: ObservedResource = { address: "volume.old", type: "volume", provider: "docker", attributes: { name: "p_old" } };
    const p = planOf({ desired: [], recorded: [], observation: observation([stray]) });
    expect(summarize(p)).toEqual([]);
    expect(p.kept.map((k) => k.address)).toEqual(["volume.old"]);
  });

  it("a volume docker compose made under the same name is adopted with its data", () => {
    const composes: ObservedResource = { address: "volume.db-data", type: "volume", provider: "docker", attributes: { name: "p_db-data" }, foreign: { madeBy: "made by docker compose, project p" } };
    const p = planOf({ desired: [network, volume], recorded: [], observation: observation([composes]) });
    expect(summarize(p)).toEqual(["network.default: create (new)", "volume.db-data: update (adopted)"]);
    expect(p.conflicts).toEqual([]);
  });
});

describe("planner: what Berth did not make is shown, never silently removed", () => {
  const composeDb: ObservedResource = {
    address: "container.db[0]",
    provider: "docker",
    type: "container",
    attributes: { name: "p_db_1", container_id: "compose-id", running: true, image: "mysql" },
    foreign: { madeBy: "made by docker compose 1.29.2, project p, service db" },
  };

  it("a container holding a name the plan needs is a conflict, with what made it and the way out", () => {
    const p = planOf({ desired: [network, container("db", 0)], recorded: [], observation: observation([composeDb]) });
    expect(p.conflicts).toEqual([
      {
        address: "container.db[0]",
        type: "container",
        name: "p_db_1",
        madeBy: "made by docker compose 1.29.2, project p, service db",
        resolution:
          "take it over as it runs with `berth import` (`berth import container.db[0] p_db_1` for it alone), stop and remove it yourself (docker compose down, docker rm), or let Berth remove it and make container.db[0] with --replace-foreign container.db[0]",
      },
    ]);
    // Nothing in the plan deletes it.
    expect(p.changes.filter((c) => hasAction(c, "delete"))).toEqual([]);
    expect(renderPlanText(maskPlan(p), { color: false })).toContain("Conflict: container.db[0]: container p_db_1 already exists and was not made by Berth");
  });

  it("--replace-foreign shows the removal in the plan, with the foreign container's ID", () => {
    const p = planOf({ desired: [network, container("db", 0)], recorded: [], observation: observation([composeDb]), replaceForeign: ["container.db[0]"] });
    expect(p.conflicts).toEqual([]);
    const c = p.changes.find((x) => x.address === "container.db[0]")!;
    expect(c.actions).toEqual(["delete", "create"]);
    expect(c.reason).toBe("foreign-replaced");
    expect(c.before).toMatchObject({ container_id: "compose-id" });
  });

  it("a conflict outside --target does not block the targeted change", () => {
    const p = planOf({ desired: [network, container("db", 0), container("web", 0)], recorded: [], observation: observation([composeDb]), targets: ["container.web[0]"] });
    expect(p.conflicts).toEqual([]);
    expect(summarize(p)).toEqual(["container.web[0]: create (new)", "network.default: create (new)"]);
  });

  it("a foreign object the template does not want is not an orphan to delete", () => {
    const p = planOf({ desired: [network], recorded: [], observation: observation([composeDb]) });
    expect(p.changes.some((c) => c.address === "container.db[0]")).toBe(false);
  });
});
