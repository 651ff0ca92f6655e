import { describe, expect, it } from "vitest";
import type { ContainerAttributes } from "../../../providers/docker/attributes.js";
import { containerSpec } from "../../../providers/docker/container-spec.js";
import { buildDesired } from "../../../src/model/desired.js";
import { errorsOf, load } from "./helpers.js";

const YAML = [
  "services:",
  "  data:",
  "    image: busybox",
  "    container_name: shared-data",
  "    volumes: [/var/lib/data]",
  "  logs:",
  "    image: busybox",
  "    scale: 2",
  "  app:",
  "    image: example/app",
  "    volumes_from:",
  "      - data",
  "      - service:logs:ro",
  "      - container:legacy_data:ro",
  "",
].join("\n");

describe("volumes_from", () => {
  it("a service's first container (its container_name when it has one) or a named container, each with its mode", async () => {
    const template = await load(YAML);
    const app = template.services.find((s) => s.name === "app")!;
    expect(app.volumesFrom.map(({ kind, name, readOnly }) => ({ kind, name, readOnly }))).toEqual([
      { kind: "service", name: "data", readOnly: false },
      { kind: "service", name: "logs", readOnly: true },
      { kind: "container", name: "legacy_data", readOnly: true },
    ]);
    const resources = buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery: false }).resources;
    const container = resources.find((r) => r.address === "container.app[0]")!;
    expect(container.attributes.volumes_from).toEqual(["shared-data:rw", "p_logs_1:ro", "legacy_data:ro"]);
    // Created after every replica of the services whose mounts it takes, as compose orders them.
    expect(container.dependsOn).toEqual(expect.arrayContaining(["container.data[0]", "container.logs[0]", "container.logs[1]"]));
    const attrs = container.attributes as unknown as ContainerAttributes;
    const spec = containerSpec(attrs, { name: attrs.name, temporary: false, stopTimeoutSeconds: 10, address: container.address });
    expect(spec.create.HostConfig?.VolumesFrom).toEqual(["shared-data:rw", "p_logs_1:ro", "legacy_data:ro"]);
  });

  it("a container without volumes_from has no such attribute: recorded states stay as they are", async () => {
    const template = await load(YAML);
    const resources = buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery: false }).resources;
    expect(resources.find((r) => r.address === "container.data[0]")!.attributes).not.toHaveProperty("volumes_from");
  });

  it("bad entries and unknown services are refused at their place; a loop through volumes_from is a cycle", async () => {
    expect(await errorsOf("services:\n  app:\n    image: a\n    volumes_from: [nope, 'data:rx', 'service:', app]\n  data:\n    image: b\n")).toEqual([
      "docker-compose.yml:4:20: volumes_from: no service named 'nope' (services: app, data)",
      "docker-compose.yml:4:26: volumes_from entries must be 'service', 'service:name' or 'container:name', each with an optional ':ro' or ':rw', got 'data:rx'",
      "docker-compose.yml:4:37: volumes_from entries must be 'service', 'service:name' or 'container:name', each with an optional ':ro' or ':rw', got 'service:'",
      "docker-compose.yml:4:49: volumes_from: service 'app' cannot take the volumes of itself",
    ]);
    const looped = await load("services:\n  a:\n    image: a\n    volumes_from: [b]\n  b:\n    image: b\n    volumes_from: [a]\n");
    expect(() => buildDesired(looped, { project: "p", publishAddress: "127.0.0.1", discovery: false })).toThrow(/dependency cycle between services: a → b → a/);
  });
});
