/**
 * An upstream's endpoints are its replicas' own values, referred to rather than read across
 * providers: known from the state when the replicas stay, known after apply when they are
 * created or replaced, and filled in for states written before containers recorded them.
 */
import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadTemplate } from "../../../src/template/load.js";
import { buildDesired } from "../../../src/model/desired.js";
import type { DesiredResource, RecordedResource } from "../../../src/core/types.js";
import { dockerSchema } from "../../../providers/docker/schema.js";
import { routingSchema } from "../../../providers/routing/schema.js";
import { DockerProvider } from "../../../providers/docker/docker-provider.js";
import { planOf, summarize } from "./fixtures.js";

const routed = (image: string) => `
web:
  image: ${image}
  labels:
    aliyun.scale: "2"
    aliyun.routing.port_8080: web
`;

async function desiredFrom(yaml: string): Promise<DesiredResource[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "berth-refs-"));
  await writeFile(path.join(dir, "docker-compose.yml"), yaml);
  const template = await loadTemplate(path.join(dir, "docker-compose.yml"), { env: {}, domain: "localhost" });
  return buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery: false, env: {} }).resources;
}

/** What apply records: containers with their published ports and endpoints, the upstream with the endpoints it resolved. */
function applied(desired: DesiredResource[]): RecordedResource[] {
  let port = 32768;
  const containers = desired.filter((d) => d.type === "container").map((d) => {
    const p = port++;
    return { ...d, attributes: { ...d.attributes, container_id: `id-${p}`, published: { "8080/tcp": p }, endpoints: { "8080/tcp": [`127.0.0.1:${p}`] } } };
  });
  const endpoints = containers.flatMap((c) => (c.attributes.endpoints as Record<string, string[]>)["8080/tcp"]);
  const others = desired.filter((d) => d.type !== "container").map((d) => (d.type === "upstream" ? { ...d, attributes: { ...d.attributes, endpoints } } : d));
  return [...containers, ...others].map((d) => ({ address: d.address, type: d.type, provider: d.provider, service: d.service, attributes: d.attributes, dependsOn: d.dependsOn }));
}

const schemas = { docker: dockerSchema, routing: routingSchema };

describe("references: an upstream's endpoints", () => {
  it("are known from the state when the replicas stay: nothing to do", async () => {
    const desired = await desiredFrom(routed("berth/web:1"));
    expect(summarize(planOf({ desired, recorded: applied(desired), schemas }))).toEqual([]);
  });

  it("are known only after apply when the replicas are replaced: the upstream moves over in place", async () => {
    const recorded = applied(await desiredFrom(routed("berth/web:1")));
    const p = planOf({ desired: await desiredFrom(routed("berth/web:2")), recorded, schemas });
    const upstream = p.changes.find((c) => c.type === "upstream")!;
    expect(upstream.actions).toEqual(["update"]);
    expect(upstream.knownAfterApply).toEqual(["endpoints"]);
    expect(upstream.after).not.toHaveProperty("endpoints");
  });

  it("of a state written before containers recorded them are filled in by the docker provider's upgrade", async () => {
    const desired = await desiredFrom(routed("berth/web:1"));
    const legacy = applied(desired).map((r) => {
      const { endpoints: _e, ...attributes } = r.attributes;
      return { ...r, attributes };
    });
    const docker = new DockerProvider();
    const upgraded = legacy.map((r) => (r.provider === "docker" ? docker.upgradeRecorded(r) : r));
    expect(upgraded.find((r) => r.address === "container.web[1]")?.attributes.endpoints).toEqual({ "8080/tcp": ["127.0.0.1:32769"] });
    // The upstream learns its endpoints in place, from the state: no replica is touched.
    expect(summarize(planOf({ desired, recorded: upgraded, schemas }))).toEqual(["upstream.web.localhost: update (attributes-changed)"]);
  });
});

describe("references and --target", () => {
  it("a targeted replacement brings the upstream that must move over to the new replica", async () => {
    const recorded = applied(await desiredFrom(routed("berth/web:1")));
    const p = planOf({ desired: await desiredFrom(routed("berth/web:2")), recorded, schemas, targets: ["container.web[0]"] });
    expect(summarize(p)).toEqual(["container.web[0]: create,delete (attributes-changed)", "upstream.web.localhost: update (attributes-changed)"]);
  });
});
