import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDesired, type ModelOptions } from "../../../src/model/desired.js";
import { load } from "../template/helpers.js";

const OPTS: ModelOptions = { project: "bld", publishAddress: "127.0.0.1", discovery: false };

const TEMPLATE = [
  "services:",
  "  app:",
  "    build:",
  "      context: ./app",
  "      args: { VERSION: '2' }",
  "      target: prod",
  "    scale: 2",
  "  api:",
  "    image: me/api:1",
  "    build: ./api",
  "    pull_policy: missing",
  "  db:",
  "    image: db:5",
  "    pull_policy: never",
  "  cache:",
  "    image: cache:1",
  "",
].join("\n");

describe("model: build: services", () => {
  it("image.<service> tagged as compose v2 tags it: image: if given, else <project>-<service>", async () => {
    const template = await load(TEMPLATE);
    const resources = buildDesired(template, OPTS).resources;
    expect(resources.map((r) => r.address)).toEqual([
      "container.api[0]",
      "container.app[0]",
      "container.app[1]",
      "container.cache[0]",
      "container.db[0]",
      "image.api",
      "image.app",
      "network.default",
    ]);
    const app = resources.find((r) => r.address === "image.app")!;
    expect(app).toMatchObject({ type: "image", provider: "docker", name: "app", service: "app", dependsOn: [] });
    expect(app.attributes).toEqual({
      tag: "bld-app",
      project: "bld",
      service: "app",
      context: path.join(template.dir, "app"),
      dockerfile: "Dockerfile",
      dockerfile_inline: null,
      args: { VERSION: "2" },
      target: "prod",
      labels: {},
      network: null,
      shm_size: null,
      extra_hosts: [],
      policy: "build",
      // Filled from the files by the Docker provider: the model does no I/O.
      context_digest: null,
      files: null,
    });
    expect(resources.find((r) => r.address === "image.api")!.attributes).toMatchObject({ tag: "me/api:1", policy: "missing" });
  });

  it("every replica runs the tag, depends on the image and refers to its image_id", async () => {
    const resources = buildDesired(await load(TEMPLATE), OPTS).resources;
    for (const address of ["container.app[0]", "container.app[1]"]) {
      const replica = resources.find((r) => r.address === address)!;
      expect(replica.attributes.image).toBe("bld-app");
      expect(replica.dependsOn).toEqual(["network.default", "image.app"]);
      expect(replica.references).toEqual({ image_id: { address: "image.app", attribute: "image_id" } });
    }
    const cache = resources.find((r) => r.address === "container.cache[0]")!;
    expect(cache.dependsOn).toEqual(["network.default"]);
    expect(cache.references).toBeUndefined();
  });

  it("a service naming a tag another service builds runs that build: it waits for it and is replaced with it", async () => {
    const template = await load("services:\n  web:\n    build: .\n    image: myapp\n  worker:\n    image: myapp:latest\n  tool:\n    image: bld-other\n");
    const resources = buildDesired(template, OPTS).resources;
    const worker = resources.find((r) => r.address === "container.worker[0]")!;
    expect(worker.dependsOn).toEqual(["network.default", "image.web"]);
    expect(worker.references).toEqual({ image_id: { address: "image.web", attribute: "image_id" } });
    expect(resources.find((r) => r.address === "container.tool[0]")!.references).toBeUndefined();
  });

  it("pull_policy of an image service is carried, only when written; --no-build keeps every image as it is", async () => {
    const template = await load(TEMPLATE);
    const resources = buildDesired(template, OPTS).resources;
    expect(resources.find((r) => r.address === "container.db[0]")!.attributes.pull_policy).toBe("never");
    expect(resources.find((r) => r.address === "container.cache[0]")!.attributes).not.toHaveProperty("pull_policy");
    const noBuild = buildDesired(template, { ...OPTS, noBuild: true }).resources;
    expect(noBuild.filter((r) => r.type === "image").map((r) => r.attributes.policy)).toEqual(["never", "never"]);
    // Policy is how a later apply may get the image, not what the container is: the config hash stays.
    const hash = (rs: typeof resources) => rs.find((r) => r.address === "container.app[0]")!.attributes.config_hash;
    expect(hash(noBuild)).toBe(hash(resources));
  });
});
