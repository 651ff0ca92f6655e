import { describe, expect, it } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadTemplate } from "../../../src/template/load.js";
import { buildDesired, ADDON_CERT_DIR } from "../../../src/model/desired.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** aliyun.addon: what the article's platform gives a discovery-aware service, Berth gives too. */
describe("aliyun.addon", () => {
  const load = () => loadTemplate(path.join(ROOT, "examples/04-discovery-api/docker-compose.yml"), { env: {}, domain: "localhost" });

  it("injects COMPOSE_PROJECT_NAME, ETCD_NODES and the certificates into the addon service only", async () => {
    const desired = buildDesired(await load(), {
      project: "demo",
      publishAddress: "127.0.0.1",
      discovery: true,
      etcdEndpoints: ["http://10.0.0.5:2379"],
      discoveryCertsDir: "/srv/berth-certs",
    }).resources;
    const nginx = desired.find((d) => d.address === "container.nginx[0]")!.attributes;
    const tomcat = desired.find((d) => d.address === "container.tomcat[0]")!.attributes;
    expect(nginx.environment).toMatchObject({
      COMPOSE_PROJECT_NAME: "demo",
      ETCD_NODES: "http://10.0.0.5:2379",
      DISCOVERY_CERT: `${ADDON_CERT_DIR}/agent.pem`,
    });
    expect(nginx.volumes).toContain(`/srv/berth-certs:${ADDON_CERT_DIR}:ro`);
    expect(tomcat.environment).not.toHaveProperty("ETCD_NODES");
    expect(desired.map((d) => d.address)).toContain("discovery.demo_tomcat");
  });

  it("injects nothing without an etcd", async () => {
    const desired = buildDesired(await load(), { project: "demo", publishAddress: "127.0.0.1", discovery: false }).resources;
    const nginx = desired.find((d) => d.address === "container.nginx[0]")!.attributes;
    expect(nginx.environment).not.toHaveProperty("ETCD_NODES");
    expect(desired.some((d) => d.type === "discovery")).toBe(false);
  });
});
