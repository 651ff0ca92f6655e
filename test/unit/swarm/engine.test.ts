import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadTemplate } from "../../../src/template/load.js";
import { engineOf } from "../../../src/cli/providers.js";
import { resolveSettings } from "../../../src/cli/settings.js";
import { UserError } from "../../../src/core/errors.js";

const fromTemplate = (value: string) => ({ value, loc: { file: "docker-compose.yml", line: 2, col: 11 } });
const swarmState = [{ provider: "swarm" }, { provider: "routing" }];

describe("the engine a run uses", () => {
  it("is --engine, else BERTH_ENGINE, else x-berth.engine, else the state's, else docker", () => {
    expect(engineOf(resolveSettings({ engine: "docker" }, { BERTH_ENGINE: "swarm" }), fromTemplate("swarm"), swarmState)).toBe("docker");
    expect(engineOf(resolveSettings({}, { BERTH_ENGINE: "swarm" }), fromTemplate("docker"), [])).toBe("swarm");
    expect(engineOf(resolveSettings({}, {}), fromTemplate("swarm"), [])).toBe("swarm");
    expect(engineOf(resolveSettings({}, {}), null, swarmState)).toBe("swarm");
    expect(engineOf(resolveSettings({}, {}), null, [{ provider: "docker" }])).toBe("docker");
    expect(engineOf(resolveSettings({}, { BERTH_ENGINE: "" }), null, [])).toBe("docker");
  });

  it("refuses an engine it does not know, naming where it came from", () => {
    expect(() => engineOf(resolveSettings({ engine: "kubernetes" }, {}), null)).toThrow(UserError);
    expect(() => engineOf(resolveSettings({ engine: "kubernetes" }, {}), null)).toThrow(/engine must be docker or swarm, got 'kubernetes' \(from --engine or BERTH_ENGINE\)/);
  });
});

describe("x-berth in the template", () => {
  const load = async (text: string) => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "berth-engine-")), "docker-compose.yml");
    await writeFile(file, text);
    return loadTemplate(file, { env: {}, domain: "localhost" });
  };

  it("names the engine in either format", async () => {
    expect((await load("x-berth:\n  engine: swarm\nweb:\n  image: tomcat:latest\n")).engine?.value).toBe("swarm");
    expect((await load("services:\n  web:\n    image: tomcat:latest\nx-berth: {engine: docker}\n")).engine?.value).toBe("docker");
    expect((await load("web:\n  image: tomcat:latest\n")).engine).toBeNull();
  });

  it("refuses an unknown engine or key at its place", async () => {
    const error = await load("x-berth:\n  engine: nomad\n  color: red\nweb:\n  image: tomcat:latest\n").then(
      () => null,
      (e: unknown) => String(e),
    );
    expect(error).toMatch(/docker-compose\.yml:2:11: x-berth\.engine must be docker or swarm, got 'nomad'/);
    expect(error).toMatch(/docker-compose\.yml:3:3: x-berth\.color is not a Berth setting/);
  });
});
