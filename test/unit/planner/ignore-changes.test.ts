import { describe, expect, it } from "vitest";
import { container, network, observation, observedAs, planOf, recorded, summarize } from "./fixtures.js";
import type { Attributes, DesiredResource, RecordedResource } from "../../../src/core/types.js";
import { IGNORE_CHANGES_LABEL } from "../../../src/core/lifecycle.js";
import { IGNORABLE } from "../../../src/template/berth-labels.js";
import { buildDesired } from "../../../src/model/desired.js";
import { errorsOf, load } from "../template/helpers.js";

const ignoring = (value: string, attrs: Attributes = {}) => ({ labels: { [IGNORE_CHANGES_LABEL]: value }, ...attrs });
const web = (n: number, attrs: Attributes = {}) => Array.from({ length: n }, (_, i) => container("web", i, attrs));
const applied = (ds: DesiredResource[]): RecordedResource[] => ds.map((d) => ({ ...recorded(d), service: d.service }));

describe("berth.ignore_changes", () => {
  it("an ignored environment entry is not planned, though it changes the config hash; others still are", () => {
    const rec = applied([network, ...web(1, ignoring("environment.FEATURE_X", { environment: { FEATURE_X: "off", A: "1" } }))]);
    const flipped = web(1, ignoring("environment.FEATURE_X", { environment: { FEATURE_X: "on", A: "1" } }));
    expect(summarize(planOf({ desired: [network, ...flipped], recorded: rec }))).toEqual([]);

    // Without the label the same edit replaces the container.
    const plain = applied([network, ...web(1, { environment: { FEATURE_X: "off", A: "1" } })]);
    expect(summarize(planOf({ desired: [network, ...web(1, { environment: { FEATURE_X: "on", A: "1" } })], recorded: plain }))).toEqual([
      "container.web[0]: delete,create (attributes-changed)",
    ]);

    // A change that is not ignored replaces it, and the new container takes the template's value.
    const both = web(1, ignoring("environment.FEATURE_X", { environment: { FEATURE_X: "on", A: "2" } }));
    const p = planOf({ desired: [network, ...both], recorded: rec });
    expect(summarize(p)).toEqual(["container.web[0]: delete,create (attributes-changed)"]);
    expect((p.changes[0].after?.environment as Attributes).FEATURE_X).toBe("on");
  });

  it("writing or editing the label itself changes nothing", () => {
    const rec = applied([network, ...web(1, ignoring("environment.A"))]);
    expect(summarize(planOf({ desired: [network, ...web(1, ignoring("environment.A, restart"))], recorded: rec }))).toEqual([]);
  });

  it("an ignored attribute is not shown as drift", () => {
    const rec = applied([network, ...web(1, ignoring("image", { image_id: "sha256:old" }))]);
    const obs = observation(rec.map((r) => observedAs(r, r.type === "container" ? { image_id: "sha256:by-hand" } : {})));
    const p = planOf({ desired: [network, ...web(1, ignoring("image", { image_id: "sha256:old" }))], recorded: rec, observation: obs });
    expect(p.drift).toEqual([]);
    expect(summarize(p)).toEqual([]);
  });

  describe("on scale: Berth keeps the replicas that run", () => {
    const scaleIgnored = (n: number) => web(n, ignoring("scale"));

    it("the template's count on the first apply", () => {
      expect(summarize(planOf({ desired: [network, ...scaleIgnored(2)], recorded: [] }))).toEqual([
        "container.web[0]: create (new)",
        "container.web[1]: create (new)",
        "network.default: create (new)",
      ]);
    });

    it("neither creates nor deletes replicas when the template's count changes", () => {
      const rec = applied([network, ...scaleIgnored(2)]);
      const obs = observation(rec.map((r) => observedAs(r)));
      expect(summarize(planOf({ desired: [network, ...scaleIgnored(3)], recorded: rec, observation: obs }))).toEqual([]);
      expect(summarize(planOf({ desired: [network, ...scaleIgnored(1)], recorded: rec, observation: obs }))).toEqual([]);
      // Not ignored, the same edits scale.
      const plain = applied([network, ...web(2)]);
      expect(summarize(planOf({ desired: [network, ...web(1)], recorded: plain }))).toEqual(["container.web[1]: delete (scaled-down)"]);
    });

    it("keeps a replica removed by hand removed, and a replica started by hand running, with no drift", () => {
      const rec = applied([network, ...scaleIgnored(2)]);
      const gone = observation(rec.filter((r) => r.address !== "container.web[1]").map((r) => observedAs(r)));
      const p = planOf({ desired: [network, ...scaleIgnored(2)], recorded: rec, observation: gone });
      expect(summarize(p)).toEqual([]);
      expect(p.drift).toEqual([]);

      const extra = { address: "container.web[2]", type: "container", provider: "docker" as const, attributes: { name: "p_web_3", container_id: "by-hand", running: true, service: "web" } };
      const q = planOf({ desired: [network, ...scaleIgnored(2)], recorded: rec, observation: observation([...rec.map((r) => observedAs(r)), extra]) });
      expect(summarize(q)).toEqual([]);
    });
  });
});

describe("berth.ignore_changes at load", () => {
  it("refuses a name Berth cannot ignore, at its place in the label", async () => {
    const yaml = ["web:", "  image: a", "  labels:", "    berth.ignore_changes: 'scale, enviroment.X, restart.policy'", ""].join("\n");
    expect(await errorsOf(yaml)).toEqual([
      expect.stringMatching(/^docker-compose\.yml:4:35: berth\.ignore_changes: 'enviroment\.X' is no attribute Berth can ignore \(scale, image, environment/),
      "docker-compose.yml:4:49: berth.ignore_changes: 'restart.policy' names an entry, but only environment and labels have entries",
    ]);
    expect((await load("web:\n  image: a\n  labels:\n    berth.ignore_changes: scale,environment.FEATURE_X\n")).services[0].labels).toEqual({
      "berth.ignore_changes": "scale,environment.FEATURE_X",
    });
  });

  it("refuses scale on a routed service, whose upstream follows the template's count", async () => {
    const yaml = ["web:", "  image: a", "  labels:", "    aliyun.routing.port_8080: http://web", "    berth.ignore_changes: scale", ""].join("\n");
    expect(await errorsOf(yaml)).toEqual([
      "docker-compose.yml:5:27: berth.ignore_changes: scale cannot be ignored on a routed service (its upstream lists aliyun.scale's replicas)",
    ]);
  });

  it("names only attributes the model gives a container", async () => {
    const template = await load("web:\n  image: a\n");
    const [c] = buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery: false }).resources.filter((r) => r.type === "container");
    const attributes = new Set([...Object.keys(c.attributes), "mem_limit", "mem_reservation", "memswap_limit", "cpus", "cpu_shares", "pids_limit"]);
    expect(IGNORABLE.filter((name) => name !== "scale" && !attributes.has(name))).toEqual([]);
  });
});
