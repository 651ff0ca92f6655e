import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { container, network, observation, observedAs, planOf, recorded, summarize } from "./fixtures.js";
import type { RecordedResource } from "../../../src/core/types.js";

const web = (n: number, attrs = {}) => Array.from({ length: n }, (_, i) => container("web", i, attrs));

describe("planner", () => {
  it("creates everything on an empty state, network first in address order", () => {
    const p = planOf({ desired: [network, ...web(2)], recorded: [] });
    expect(summarize(p)).toEqual([
      "container.web[0]: create (new)",
      "container.web[1]: create (new)",
      "network.default: create (new)",
    ]);
  });

  it("plans nothing when template, state and engine agree", () => {
    const desired = [network, ...web(2)];
    const rec = desired.map((d) => recorded(d));
    const p = planOf({ desired, recorded: rec, observation: observation(rec.map((r) => observedAs(r))) });
    expect(summarize(p)).toEqual([]);
    expect(p.drift).toEqual([]);
  });

  it("scales up by creating only the new indices", () => {
    const rec = [network, ...web(3)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...web(5)], recorded: rec });
    expect(summarize(p)).toEqual(["container.web[3]: create (new)", "container.web[4]: create (new)"]);
  });

  it("scales down by deleting the highest indices", () => {
    const rec = [network, ...web(5)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...web(2)], recorded: rec });
    expect(summarize(p)).toEqual([
      "container.web[2]: delete (scaled-down)",
      "container.web[3]: delete (scaled-down)",
      "container.web[4]: delete (scaled-down)",
    ]);
  });

  it("deletes a service removed from the template", () => {
    const rec = [network, ...web(1), container("db", 0)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...web(1)], recorded: rec });
    expect(summarize(p)).toEqual(["container.db[0]: delete (removed-from-template)"]);
  });

  it("replaces on an image change and names the attribute, not the digest", () => {
    const rec = [network, ...web(1)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...web(1, { image: "berth/web:2" })], recorded: rec });
    expect(summarize(p)).toEqual(["container.web[0]: delete,create (attributes-changed)"]);
    expect(p.changes[0].replacePaths).toEqual([["image"]]);
    expect(p.changes[0].after?.container_id).toBeUndefined();
  });

  it("updates the restart policy in place and keeps the container id", () => {
    const d = web(1);
    const rec = [network, ...d].map((x) => recorded(x));
    const changed = container("web", 0);
    changed.attributes = { ...d[0].attributes, restart: "always" };
    const p = planOf({ desired: [network, changed], recorded: rec });
    expect(summarize(p)).toEqual(["container.web[0]: update (attributes-changed)"]);
    expect(p.changes[0].after?.container_id).toBe("id-container.web[0]");
  });

  it("creates a routed replica's replacement before destroying the old one", () => {
    const rollout = { create_before_destroy: true, parallelism: 1 };
    const ports = [{ container_port: 8080, protocol: "tcp", host_ip: "127.0.0.1", host_port: null }];
    const rec = [network, ...web(1, { rollout, ports })].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...web(1, { rollout, ports, image: "berth/web:2" })], recorded: rec });
    expect(p.changes[0].actions).toEqual(["create", "delete"]);
  });

  it("shows a removed container as drift and recreates it", () => {
    const rec = [network, ...web(2)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...web(2)], recorded: rec, observation: observation([observedAs(rec[0]), observedAs(rec[1])]) });
    expect(summarize(p)).toEqual(["container.web[1]: create (drift-missing)"]);
    expect(p.drift.map((d) => d.summary)).toEqual(["container was removed outside Berth"]);
  });

  it("starts a container stopped outside Berth in place", () => {
    const rec = [network, ...web(1)].map((d) => recorded(d));
    const obs = observation([observedAs(rec[0]), observedAs(rec[1], { running: false })]);
    const p = planOf({ desired: [network, ...web(1)], recorded: rec, observation: obs });
    expect(summarize(p)).toEqual(["container.web[0]: update (drift-stopped)"]);
  });

  it("replaces a container changed outside Berth", () => {
    const rec = [network, ...web(1)].map((d) => recorded(d));
    const obs = observation([observedAs(rec[0]), observedAs(rec[1], { container_id: "someone-else" })]);
    const p = planOf({ desired: [network, ...web(1)], recorded: rec, observation: obs });
    expect(summarize(p)).toEqual(["container.web[0]: delete,create (drift-changed)"]);
  });

  it("deletes an orphan the engine runs under the project's labels", () => {
    const rec = [network].map((d) => recorded(d));
    const orphan = { address: "container.old[0]", type: "container" as const, provider: "docker", attributes: { name: "p_old_1", container_id: "x" } };
    const p = planOf({ desired: [network], recorded: rec, observation: observation([observedAs(rec[0]), orphan]) });
    expect(summarize(p)).toEqual(["container.old[0]: delete (orphan)"]);
  });

  it("adopts a matching container the state does not know", () => {
    const d = web(1);
    const found = { address: "container.web[0]", type: "container" as const, provider: "docker", attributes: { container_id: "c1", config_hash: d[0].attributes.config_hash, running: true } };
    const p = planOf({ desired: [network, ...d], recorded: [recorded(network)], observation: observation([observedAs(recorded(network)), found]) });
    expect(summarize(p)).toEqual(["container.web[0]: update (adopted)"]);
  });

  it("--target keeps the target and what it depends on", () => {
    const db = container("db", 0);
    const w = { ...container("web", 0), dependsOn: ["network.default", "container.db[0]"] };
    const other = container("other", 0);
    const p = planOf({ desired: [network, db, w, other], recorded: [], targets: ["container.web"] });
    expect(summarize(p)).toEqual(["container.db[0]: create (new)", "container.web[0]: create (new)", "network.default: create (new)"]);
  });

  it("--replace forces a replacement of an unchanged resource", () => {
    const rec = [network, ...web(2)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...web(2)], recorded: rec, replace: ["container.web[1]"] });
    expect(summarize(p)).toEqual(["container.web[1]: delete,create (forced-by-replace)"]);
  });

  it("destroy deletes everything recorded", () => {
    const rec = [network, ...web(2)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...web(2)], recorded: rec, destroy: true });
    expect(summarize(p)).toEqual([
      "container.web[0]: delete (removed-from-template)",
      "container.web[1]: delete (removed-from-template)",
      "network.default: delete (removed-from-template)",
    ]);
  });

  it("refuses to delete or replace a resource labelled berth.prevent_destroy unless allowed", () => {
    const labels = { "berth.prevent_destroy": "true" };
    const rec = [network, container("db", 0, { labels })].map((d) => recorded(d));
    expect(() => planOf({ desired: [network], recorded: rec })).toThrow(/container\.db\[0\].*berth\.prevent_destroy.*--allow-destroy container\.db\[0\]/);
    expect(() => planOf({ desired: [network, container("db", 0, { labels, image: "x:2" })], recorded: rec })).toThrow(/E?protected/);
    const allowed = planOf({ desired: [network], recorded: rec, allowDestroy: ["container.db"] });
    expect(summarize(allowed)).toEqual(["container.db[0]: delete (removed-from-template)"]);
  });

  it("orders indices numerically", () => {
    const p = planOf({ desired: web(12), recorded: [] });
    expect(p.changes.map((c) => c.address).slice(0, 3)).toEqual(["container.web[0]", "container.web[1]", "container.web[2]"]);
    expect(p.changes.at(-1)?.address).toBe("container.web[11]");
  });

  it("a gap keeps planning against the record and is reported", () => {
    const rec = [network, ...web(1)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...web(1)], recorded: rec, observation: { resources: [], gaps: [{ provider: "docker", reason: "down" }], observedProviders: [] } });
    expect(summarize(p)).toEqual([]);
    expect(p.gaps).toEqual([{ provider: "docker", reason: "down" }]);
  });

  it("property: never throws, and applying `after` as the state plans no changes", () => {
    const service = fc.record({
      name: fc.constantFrom("web", "db", "cache", "api"),
      scale: fc.integer({ min: 0, max: 4 }),
      image: fc.constantFrom("a:1", "b:2"),
      restart: fc.constantFrom("no", "always"),
    });
    fc.assert(
      fc.property(fc.array(service, { maxLength: 4 }), fc.array(service, { maxLength: 4 }), (wanted, before) => {
        const build = (specs: typeof wanted) => {
          const seen = new Set<string>();
          return specs
            .filter((s) => !seen.has(s.name) && seen.add(s.name))
            .flatMap((s) => Array.from({ length: s.scale }, (_, i) => container(s.name, i, { image: s.image, restart: s.restart })));
        };
        const desired = [network, ...build(wanted)];
        const rec = build(before).map((d) => recorded(d));
        const first = planOf({ desired, recorded: rec });
        const applied: RecordedResource[] = first.changes
          .filter((c) => c.after !== null)
          .map((c) => ({ address: c.address, type: c.type, provider: c.provider, attributes: c.after! }));
        const second = planOf({ desired, recorded: applied });
        expect(summarize(second)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic: equal inputs give equal plans", () => {
    const rec = [network, ...web(3)].map((d) => recorded(d));
    const a = planOf({ desired: [network, ...web(2, { image: "x" })], recorded: rec });
    const b = planOf({ desired: [network, ...web(2, { image: "x" })], recorded: rec });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
