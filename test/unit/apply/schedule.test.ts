/**
 * The executor's order comes from the plan's dependency edges alone: these cases check the
 * edges a scale-down and a removed route produce, on plans made from a real template.
 */
import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadTemplate } from "../../../src/template/load.js";
import { buildDesired } from "../../../src/model/desired.js";
import { prerequisites } from "../../../src/apply/schedule.js";
import type { DesiredResource, RecordedResource } from "../../../src/core/types.js";
import { dockerSchema } from "../../../providers/docker/schema.js";
import { routingSchema } from "../../../providers/routing/schema.js";
import { planOf } from "../planner/fixtures.js";

const routed = (scale: number, extra = "") => `
web:
  image: berth/web:1
  labels:
    aliyun.scale: "${scale}"
    aliyun.routing.port_8080: web
${extra}`;

async function desiredFrom(yaml: string): Promise<DesiredResource[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "berth-schedule-"));
  const file = path.join(dir, "docker-compose.yml");
  await writeFile(file, yaml);
  const template = await loadTemplate(file, { env: {}, domain: "localhost" });
  return buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery: false, env: {} }).resources;
}

function recordedOf(desired: DesiredResource[]): RecordedResource[] {
  return desired.map((d) => ({ address: d.address, type: d.type, provider: d.provider, service: d.service, attributes: d.attributes, dependsOn: d.dependsOn }));
}

const schemas = { docker: dockerSchema, routing: routingSchema };

describe("schedule: order from dependency edges", () => {
  it("a replica scaled away stops only after the upstream that listed it no longer does", async () => {
    const applied = recordedOf(await desiredFrom(routed(3)));
    const p = planOf({ desired: await desiredFrom(routed(2)), recorded: applied, schemas });
    const upstream = p.changes.find((c) => c.type === "upstream")!;
    expect(upstream.actions).toEqual(["update"]);
    expect(upstream.releases).toEqual(["container.web[2]"]);
    expect(prerequisites(p.changes).get("container.web[2]")).toEqual([upstream.address]);
  });

  it("a service no route lists is not held back by another service's route change", async () => {
    const other = "worker:\n  image: berth/web:1\n  labels:\n    aliyun.scale: \"2\"\n";
    const applied = recordedOf(await desiredFrom(routed(3, other)));
    const p = planOf({ desired: await desiredFrom(routed(2, other.replace('"2"', '"1"'))), recorded: applied, schemas });
    expect(prerequisites(p.changes).get("container.worker[1]")).toEqual([]);
  });
});

describe("schedule: the discovery agent", () => {
  it("destroy stops the agent before deleting the records it keeps current, with no cycle", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "berth-schedule-"));
    const file = path.join(dir, "docker-compose.yml");
    await writeFile(file, routed(2));
    const template = await loadTemplate(file, { env: {}, domain: "localhost" });
    const desired = buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery: true, superviseAgent: true, env: {} }).resources;
    expect(desired.map((d) => d.address)).toContain("agent.p");
    const p = planOf({ desired: [], recorded: recordedOf(desired), destroy: true, schemas });
    const order = prerequisites(p.changes);
    expect(order.get("discovery.p_web")).toContain("agent.p");
    expect(order.get("agent.p")).not.toContain("discovery.p_web");
  });
});
