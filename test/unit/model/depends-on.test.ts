import { describe, expect, it } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadTemplate } from "../../../src/template/load.js";
import { buildDesired } from "../../../src/model/desired.js";
import { load } from "../template/helpers.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const model = async () => {
  const template = await loadTemplate(path.join(ROOT, "examples/05-depends-on/docker-compose.yml"), { env: {}, domain: "localhost" });
  return buildDesired(template, { project: "demo", publishAddress: "127.0.0.1", discovery: false }).resources;
};

/** depends_on's conditions ride on the graph's edges, for the provider that creates the dependent. */
describe("depends_on in the model", () => {
  it("carries each dependency's condition, required and restart on the edge to every replica", async () => {
    const web = (await model()).find((d) => d.address === "container.web[0]")!;
    expect(web.dependsOn).toEqual(["network.default", "container.db[0]", "container.migrate[0]"]);
    expect(web.conditions).toEqual({
      "container.db[0]": { condition: "service_healthy", required: true, restart: true },
      "container.migrate[0]": { condition: "service_completed_successfully", required: true, restart: false },
    });
  });

  it("edges from links and the network carry no condition; a service with none has no conditions", async () => {
    const resources = await model();
    expect(resources.find((d) => d.address === "container.db[0]")!.conditions).toBeUndefined();
    const linked = buildDesired(await load("web:\n  image: a\n  links: [db]\ndb:\n  image: b\n"), { project: "p", publishAddress: "127.0.0.1", discovery: false });
    expect(linked.resources.find((d) => d.address === "container.web[0]")!.conditions).toBeUndefined();
  });

  it("a service waited on to complete is a one-shot; its config hash does not change for it", async () => {
    const resources = await model();
    expect(resources.find((d) => d.address === "container.migrate[0]")!.attributes.one_shot).toBe(true);
    expect(resources.find((d) => d.address === "container.db[0]")!.attributes).not.toHaveProperty("one_shot");
    const hashOf = async (yaml: string) =>
      buildDesired(await load(yaml), { project: "p", publishAddress: "127.0.0.1", discovery: false }).resources.find((d) => d.address === "container.m[0]")!
        .attributes.config_hash;
    const plain = await hashOf("m:\n  image: a\nweb:\n  image: b\n");
    const waitedOn = await hashOf("m:\n  image: a\nweb:\n  image: b\n  depends_on:\n    m:\n      condition: service_completed_successfully\n");
    expect(waitedOn).toBe(plain);
  });

  it("healthcheck start_interval is carried only when set (older plans keep their config hash)", async () => {
    const db = (await model()).find((d) => d.address === "container.db[0]")!.attributes;
    expect(db.healthcheck).toEqual({
      test: ["CMD-SHELL", "test -f /tmp/ready"],
      interval_seconds: 1,
      timeout_seconds: 1,
      retries: 30,
      start_period_seconds: 10,
      start_interval_seconds: 0.5,
    });
    const plain = buildDesired(await load("a:\n  image: a\n  healthcheck:\n    test: 'true'\n"), { project: "p", publishAddress: "127.0.0.1", discovery: false });
    expect(plain.resources.find((d) => d.address === "container.a[0]")!.attributes.healthcheck).not.toHaveProperty("start_interval_seconds");
  });

  it("a cycle through depends_on points at the entry that closes it", async () => {
    const template = await load("a:\n  image: x\n  depends_on:\n    b:\n      condition: service_healthy\nb:\n  image: x\n  depends_on: [a]\n");
    expect(() => buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery: false })).toThrow(
      expect.objectContaining({ message: "dependency cycle between services: a → b → a", where: expect.objectContaining({ line: 4, col: 5 }) }),
    );
  });
});
