import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { maskPlan } from "../../../src/core/mask.js";
import { hasChanges } from "../../../src/core/plan.js";
import { planRefreshOnly, refreshChangesState, refreshedResources } from "../../../src/planner/refresh-only.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { renderPlanMarkdown } from "../../../src/render/markdown-plan.js";
import { dockerSchema } from "../../../providers/docker/schema.js";
import { expectGolden } from "../golden.js";
import { container, network, observation, observedAs, recorded } from "./fixtures.js";

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), "golden");

function refreshOnly(observed: ReturnType<typeof observation>, extraDesired = [container("new", 0)]) {
  const web0 = recorded(container("web", 0, { environment: { DB_PASSWORD: "hunter22-secret" } }));
  const web1 = recorded(container("web", 1));
  const net = recorded(network);
  const state = [net, web0, web1];
  const p = planRefreshOnly({
    project: "p",
    berthVersion: "test",
    templateHash: "h",
    // The template is not what a refresh compares with: a resource only it wants changes nothing.
    desired: [network, container("web", 0), container("web", 1), ...extraDesired],
    recorded: state,
    stateLineage: "l",
    stateSerial: 4,
    observation: observed,
    schemas: { docker: dockerSchema },
  });
  return { p, state, web0, web1, net };
}

describe("refresh-only plans", () => {
  it("show what changed outside Berth and change nothing; applying records it", () => {
    const { web0, net, state } = refreshOnly(observation([]));
    const { p } = refreshOnly(observation([observedAs(net), observedAs(web0, { running: false })]));
    expect(hasChanges(p)).toBe(false);
    expect(p.changes).toEqual([]);
    expect(refreshChangesState(p)).toBe(true);
    expect(p.drift.map((d) => `${d.address}: ${d.summary}`)).toEqual([
      "container.web[0]: container was stopped outside Berth",
      "container.web[1]: container was removed outside Berth",
    ]);
    const next = refreshedResources(state, p.drift);
    expect(next.map((r) => r.address)).toEqual(["network.default", "container.web[0]"]);
    expect(next[1].attributes).toEqual({ ...web0.attributes, running: false });

    const text = renderPlanText(maskPlan(p), { color: false });
    expect(text).not.toContain("hunter22-secret");
    expectGolden(path.join(GOLDEN, "refresh-only.txt"), text);
    expectGolden(path.join(GOLDEN, "refresh-only.md"), renderPlanMarkdown(maskPlan(p)).join(""));
  });

  it("say nothing changed when what runs is what the state records", () => {
    const { web0, web1, net, state } = refreshOnly(observation([]));
    const { p } = refreshOnly(observation([observedAs(net), observedAs(web0), observedAs(web1)]));
    expect(refreshChangesState(p)).toBe(false);
    expect(refreshedResources(state, p.drift)).toEqual(state);
    expect(renderPlanText(maskPlan(p), { color: false })).toBe("No changes. The state still matches what runs: nothing changed outside Berth.\n");
  });

  it("leave alone what a provider could not observe", () => {
    const { state } = refreshOnly(observation([]));
    const { p } = refreshOnly({ resources: [], gaps: [{ provider: "docker", reason: "engine down" }], observedProviders: [] });
    expect(p.drift).toEqual([]);
    expect(refreshedResources(state, p.drift)).toEqual(state);
  });
});
