import { describe, expect, it } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { container, network, observation, observedAs, planOf, recorded } from "./fixtures.js";
import type { Attributes, DesiredResource, RecordedResource } from "../../../src/core/types.js";
import type { Plan } from "../../../src/core/plan.js";
import { dockerSchema } from "../../../providers/docker/schema.js";
import { routingSchema } from "../../../providers/routing/schema.js";
import { discoverySchema } from "../../../providers/discovery/discovery-provider.js";
import { loadTemplate } from "../../../src/template/load.js";
import { buildDesired } from "../../../src/model/desired.js";
import { markInterruptions } from "../../../src/planner/interrupts.js";
import type { ResourceSchema } from "../../../src/core/provider.js";
import { expectGolden } from "../golden.js";

/** "container.web[0]: delete,create" for each change that interrupts service. */
function interrupting(p: Plan): string[] {
  return p.changes.filter((c) => c.interruption !== undefined).map((c) => `${c.address}: ${c.actions.join(",")}`);
}

const routed = { rollout: { create_before_destroy: true, parallelism: 1 } };
const unrouted = { rollout: { create_before_destroy: false, parallelism: 1 } };
const replicas = (service: string, n: number, attrs: Attributes = {}) => Array.from({ length: n }, (_, i) => container(service, i, attrs));
const fixedPort = { ports: [{ container_port: 5432, protocol: "tcp", host_ip: "127.0.0.1", host_port: 5432 }] };

describe("what interrupts service", () => {
  it("replacing the only replica of an unrouted service interrupts it, and says why", () => {
    const rec = [network, ...replicas("db", 1, unrouted)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...replicas("db", 1, { ...unrouted, image: "pg:2" })], recorded: rec });
    expect(interrupting(p)).toEqual(["container.db[0]: delete,create"]);
    expect(p.changes.find((c) => c.address === "container.db[0]")?.interruption).toBe(
      "the only replica of db is replaced destroy-first: none serves meanwhile",
    );
  });

  it("replacing a routed replica create-first interrupts nothing", () => {
    const rec = [network, ...replicas("web", 1, routed)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...replicas("web", 1, { ...routed, image: "berth/web:2" })], recorded: rec });
    expect(p.changes.find((c) => c.address === "container.web[0]")?.actions).toEqual(["create", "delete"]);
    expect(interrupting(p)).toEqual([]);
  });

  it("a routed replica with a fixed host port is replaced destroy-first and interrupts", () => {
    const attrs = { ...routed, ...fixedPort };
    const rec = [network, ...replicas("web", 1, attrs)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...replicas("web", 1, { ...attrs, image: "berth/web:2" })], recorded: rec });
    expect(interrupting(p)).toEqual(["container.web[0]: delete,create"]);
    expect(p.changes.find((c) => c.address === "container.web[0]")?.interruption).toBe(
      "host port 127.0.0.1:5432 answers only on container.web[0], which is replaced destroy-first",
    );
  });

  it("replacing one of several unrouted replicas leaves the others serving", () => {
    const desired = [network, ...replicas("worker", 3, unrouted)];
    const rec = desired.map((d) => recorded(d));
    // Drift on one replica only: the other two keep running through the plan.
    const obs = observation([...rec.map((r) => observedAs(r, r.address === "container.worker[1]" ? { config_hash: "by-hand" } : {}))]);
    const p = planOf({ desired, recorded: rec, observation: obs });
    expect(p.changes.find((c) => c.address === "container.worker[1]")?.actions).toEqual(["delete", "create"]);
    expect(interrupting(p)).toEqual([]);
  });

  it("replacing every replica of an unrouted service destroy-first interrupts each", () => {
    const rec = [network, ...replicas("worker", 2, unrouted)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...replicas("worker", 2, { ...unrouted, image: "w:2" })], recorded: rec });
    expect(interrupting(p)).toEqual(["container.worker[0]: delete,create", "container.worker[1]: delete,create"]);
    expect(p.changes[0].interruption).toBe("every replica of worker is replaced destroy-first: none serves meanwhile");
  });

  it("in-place updates and creations interrupt nothing; scaling down leaves the rest serving", () => {
    const rec = [network, ...replicas("web", 3, unrouted)].map((d) => recorded(d));
    const desired = [network, ...replicas("web", 2, unrouted).map((d) => ({ ...d, attributes: { ...d.attributes, restart: "always" } })), container("api", 0)];
    const p = planOf({ desired, recorded: rec });
    expect(p.changes.map((c) => c.actions[0])).toContain("update");
    expect(p.changes.map((c) => c.actions[0])).toContain("create");
    expect(p.changes.find((c) => c.address === "container.web[2]")?.actions).toEqual(["delete"]);
    expect(interrupting(p)).toEqual([]);
  });

  it("deleting a service's last replica interrupts it", () => {
    const rec = [network, ...replicas("web", 1, routed), ...replicas("db", 2, unrouted)].map((d) => recorded(d));
    const p = planOf({ desired: [network, ...replicas("web", 1, routed)], recorded: rec });
    expect(interrupting(p)).toEqual(["container.db[0]: delete", "container.db[1]: delete"]);
    expect(p.changes.find((c) => c.address === "container.db[0]")?.interruption).toBe("no replica of db is left serving");
  });

  it("a stopped or missing replica does not keep its service serving; bringing one back interrupts nothing", () => {
    const desired = [network, ...replicas("db", 2, unrouted)];
    const rec = desired.map((d) => recorded(d));
    // db[0] is gone, db[1] was changed by hand and is replaced: nothing serves db meanwhile.
    const obs = observation([observedAs(rec[0]), observedAs(rec[2], { config_hash: "by-hand" })]);
    const p = planOf({ desired, recorded: rec, observation: obs });
    expect(p.changes.find((c) => c.address === "container.db[0]")?.reason).toBe("drift-missing");
    expect(interrupting(p)).toEqual(["container.db[1]: delete,create"]);
  });

  it("replacing a network destroy-first interrupts what is connected through it", () => {
    const rec: RecordedResource[] = [recorded(network)];
    const changed: DesiredResource = { ...network, attributes: { ...network.attributes, driver: "overlay" } };
    const p = planOf({ desired: [changed], recorded: rec });
    expect(interrupting(p)).toEqual(["network.default: delete,create"]);
  });

  it("is decided from the schema's traffic flag, not the type's name", () => {
    const schema: ResourceSchema = { attributes: {}, defaultRule: { update: "replace" }, traffic: "entry" };
    const c = planOf({ desired: [], recorded: [recorded(network)] }).changes[0];
    expect(markInterruptions([c], () => schema).map((x) => x.interruption)).toEqual(["network.default is no longer served"]);
    expect(markInterruptions([c], () => ({ ...schema, traffic: undefined })).map((x) => x.interruption)).toEqual([undefined]);
  });
});

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const ARTICLE_TEMPLATES = ["01-tomcat-mysql", "02-independent-links", "03-route-to-node", "04-discovery-api"];
const SCHEMAS = { docker: dockerSchema, routing: routingSchema, discovery: discoverySchema };

/**
 * The article's four templates, applied once, then (a) every service's environment changed,
 * (b) destroyed: which changes interrupt service, and why.
 */
describe("interrupt flags on the article's templates", () => {
  for (const example of ARTICLE_TEMPLATES) {
    it(`${example}: matches the committed golden`, async () => {
      const file = path.join(ROOT, "examples", example, "docker-compose.yml");
      const template = await loadTemplate(file, { env: {}, domain: "localhost" });
      const desired = buildDesired(template, { project: "demo", publishAddress: "127.0.0.1", discovery: false }).resources;
      const applied = desired.map((d) => (d.type === "volume" ? { ...recorded(d), attributes: d.attributes } : recorded(d)));
      const changedEnv = desired.map((d) =>
        d.type === "container" ? { ...d, attributes: { ...d.attributes, environment: { ...(d.attributes.environment as Attributes), RELEASE: "2" } } } : d,
      );
      const lines = (title: string, p: Plan) => [
        `## ${title}`,
        ...p.changes
          .filter((c) => c.actions[0] !== "no-op")
          .map((c) => `${c.interruption ? "!" : " "} ${c.address}: ${c.actions.join(",")}${c.interruption ? ` (${c.interruption})` : ""}`),
        "",
      ];
      const envPlan = planOf({ desired: changedEnv, recorded: applied, schemas: SCHEMAS });
      const destroyPlan = planOf({ desired, recorded: applied, schemas: SCHEMAS, destroy: true, destroyData: true });
      const text = [...lines("environment of every service changed", envPlan), ...lines("destroy", destroyPlan)].join("\n");
      expectGolden(path.join(ROOT, "test/unit/planner/golden/interrupts", `${example}.txt`), text);
    });
  }
});
