import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadTemplate } from "../../../src/template/load.js";
import { UserError } from "../../../src/core/errors.js";
import { plan } from "../../../src/planner/plan.js";
import type { DesiredResource, ObservedResource, RecordedResource } from "../../../src/core/types.js";
import { swarmDesired } from "../../../providers/swarm/desired.js";
import { serviceSpec } from "../../../providers/swarm/spec.js";
import { swarmSchema } from "../../../providers/swarm/schema.js";
import type { ServiceAttributes } from "../../../providers/swarm/attributes.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { maskPlan } from "../../../src/core/mask.js";
import { expectGolden } from "../golden.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const fixture = (name: string) => path.join(HERE, "fixtures", name);
const golden = (name: string) => new URL(`./golden/${name}`, import.meta.url);

async function desiredOf(file: string, project = "shop") {
  const template = await loadTemplate(file, { env: {}, domain: "localhost" });
  return swarmDesired(template, { project });
}

describe("swarm desired resources", () => {
  it("maps deploy:, configs, secrets and links of a template to services, overlay networks and content-named objects", async () => {
    const desired = await desiredOf(fixture("deploy.yml"));
    expectGolden(golden("deploy.desired.json"), `${JSON.stringify(desired, null, 2)}\n`);
    const config = desired.find((d) => d.address === "config.app")!;
    // The name carries the content's digest: a changed file is a new object.
    expect(config.attributes.name).toMatch(/^shop_app_[0-9a-f]{12}$/);
    // A secret's name and digest are no plain hash of it (a short password would be a lookup away).
    const secret = desired.find((d) => d.address === "secret.db")!;
    const plainHash = createHash("sha256").update("s3cr3t-pass\n").digest("hex");
    expect(secret.attributes.digest).toMatch(/^scrypt:[0-9a-f]{64}$/);
    expect(JSON.stringify(secret.attributes)).not.toContain(plainHash.slice(0, 12));
    const web = desired.find((d) => d.address === "service.web")!;
    expect(web.dependsOn).toEqual(["config.app", "network.default", "secret.db", "service.db"]);
    const db = desired.find((d) => d.address === "service.db")!;
    expect((db.attributes.networks as { aliases: string[] }[])[0].aliases).toEqual(["database", "db"]);
  });

  it("turns a service's attributes into the engine's ServiceSpec, image pinned by digest", async () => {
    const desired = await desiredOf(fixture("deploy.yml"));
    const web = desired.find((d) => d.address === "service.web")!;
    const attrs = { ...web.attributes, image_digest: "sha256:" + "ab".repeat(32) } as unknown as ServiceAttributes;
    const ids = { configs: new Map([[attrs.configs[0].name, "cfg-id"]]), secrets: new Map([[attrs.secrets[0].name, "sec-id"]]) };
    const spec = serviceSpec(attrs, ids);
    expectGolden(golden("deploy.service-spec.json"), `${JSON.stringify(spec, null, 2)}\n`);
    expect((spec.TaskTemplate as { ContainerSpec: { Image: string } }).ContainerSpec.Image).toBe(`berth/web:1@sha256:${"ab".repeat(32)}`);
    expect(spec.UpdateConfig).toMatchObject({ Parallelism: 2, Delay: 1e9, FailureAction: "rollback", Monitor: 3e9, Order: "start-first" });
  });

  it("the article's first template becomes two services with its scale and a default overlay network", async () => {
    const desired = await desiredOf(path.join(ROOT, "examples/01-tomcat-mysql/docker-compose.yml"), "demo");
    expect(desired.map((d) => d.address)).toEqual(["network.default", "service.db", "service.tomcat-default"]);
    expect(desired[0].attributes).toMatchObject({ name: "demo_default", driver: "overlay", attachable: true });
    expect(desired[2].attributes).toMatchObject({ replicas: 3, image: "tomcat:latest", endpoint_mode: "dnsrr" });
  });

  it("refuses what a swarm cannot run, every problem at its place in the template", async () => {
    const error = await desiredOf(fixture("bad-deploy.yml")).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    // Both services are wrong: every problem is reported, each at its place.
    expect(String(error)).toMatch(/bad-deploy\.yml:\d+:\d+: service 'app': build needs a registry/);
    expect(String(error)).toMatch(/bad-deploy\.yml:\d+:\d+: service 'web': deploy\.endpoint_mode must be dnsrr, vip/);
  });

  it("each problem of deploy: is named with its file, line and column", async () => {
    const template = await loadTemplate(fixture("bad-deploy.yml"), { env: {}, domain: "localhost" });
    const web = { ...template, services: template.services.filter((s) => s.name === "web") };
    let message = "";
    try {
      swarmDesired(web, { project: "shop" });
    } catch (e) {
      message = String(e);
    }
    expect(message).toContain("deploy.update_config.failure_action must be pause, continue, rollback, got \"explode\"");
    expect(message).toContain("deploy.update_config.delay must be a duration");
    expect(message).toContain("deploy.endpoint_mode must be dnsrr, vip, got \"magic\"");
    expect(message).toMatch(/bad-deploy\.yml:6:\d+/);
  });

  it("a service scaled by hand and missing tasks are drift an in-place update undoes, not a replacement", async () => {
    const desired = await desiredOf(fixture("deploy.yml"));
    const recorded: RecordedResource[] = desired.map((d) => ({ address: d.address, type: d.type, provider: d.provider, attributes: d.attributes, dependsOn: d.dependsOn }));
    const p = planOf(desired, recorded, [{ address: "service.web", type: "service", provider: "swarm", attributes: { replicas: 5, tasks_running: 2 } }]);
    const web = p.changes.find((c) => c.address === "service.web")!;
    expect(web.actions).toEqual(["update"]);
    expect(web.reason).toBe("drift-changed");
    expect(p.drift.map((d) => d.summary)).toEqual(["service was changed outside Berth (replicas, tasks_running)"]);
    expectGolden(golden("drift.plan.txt"), renderPlanText(maskPlan(p), { color: false }));
  });

  it("a changed environment plans as an in-place update of the service's spec, not a replacement", async () => {
    const desired = await desiredOf(fixture("deploy.yml"));
    const recorded: RecordedResource[] = desired.map((d) => ({
      address: d.address,
      type: d.type,
      provider: d.provider,
      attributes: d.type === "service" && d.name === "web" ? { ...d.attributes, environment: { APP_VERSION: "0", DB_PASSWORD: "hunter22" } } : d.attributes,
      dependsOn: d.dependsOn,
    }));
    const p = planOf(desired, recorded);
    const web = p.changes.find((c) => c.address === "service.web")!;
    expect(web.actions).toEqual(["update"]);
    const text = renderPlanText(maskPlan(p), { color: false });
    expectGolden(golden("environment-change.plan.txt"), text);
    expect(text).not.toContain("hunter22");
  });
});

/** The pure planner on swarm resources; observed: what refresh would report (none: nothing observed). */
function planOf(desired: DesiredResource[], recorded: RecordedResource[], observed?: ObservedResource[]) {
  // Every recorded resource is observed as recorded unless `observed` says otherwise.
  const resources = observed ? recorded.map((r) => ({ ...r, attributes: { ...r.attributes, ...observed.find((o) => o.address === r.address)?.attributes } })) : [];
  return plan({
    project: "shop",
    berthVersion: "test",
    templateHash: "x",
    desired,
    recorded,
    stateLineage: "l",
    stateSerial: 1,
    observation: { resources, gaps: [], observedProviders: observed ? ["swarm"] : [] },
    schemas: { swarm: swarmSchema },
    targets: [],
    replace: [],
    destroy: false,
    allowDestroy: [],
    destroyData: false,
    replaceForeign: [],
    warnings: [],
  });
}
