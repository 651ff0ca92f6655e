import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDotenv } from "../../../src/template/load.js";
import { findTemplates } from "../../../src/template/find-template.js";
import { tempDir } from "./helpers.js";

function dirWith(...names: string[]): string {
  const dir = tempDir("berth-find-");
  for (const name of names) writeFileSync(path.join(dir, name), "web:\n  image: a\n");
  return dir;
}

/** The template alone, when no override is expected. */
function findTemplate(...args: Parameters<typeof findTemplates>): string {
  const files = findTemplates(...args);
  expect(files).toHaveLength(1);
  return files[0];
}

describe("findTemplates", () => {
  it("prefers compose.yaml, then compose.yml, docker-compose.yaml, docker-compose.yml", () => {
    expect(findTemplate(dirWith("docker-compose.yml", "compose.yaml"))).toMatch(/compose\.yaml$/);
    expect(findTemplate(dirWith("docker-compose.yml", "compose.yml"))).toMatch(/[/\\]compose\.yml$/);
    expect(findTemplate(dirWith("docker-compose.yml", "docker-compose.yaml"))).toMatch(/docker-compose\.yaml$/);
    const dir = dirWith("docker-compose.yml");
    expect(findTemplate(dir)).toBe(path.join(dir, "docker-compose.yml"));
  });

  it("-f wins, relative to cwd", () => {
    const dir = dirWith("compose.yaml", "other.yml");
    expect(findTemplate(dir, "other.yml")).toBe(path.join(dir, "other.yml"));
  });

  it("paths in the process's own directory stay as the user wrote them", () => {
    const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
    const file = "examples/hello/docker-compose.yml";
    if (process.cwd() === root) expect(findTemplate(process.cwd(), file)).toBe(file);
  });

  it("every file docker compose would merge: several -f, COMPOSE_FILE's list, the override beside the template", () => {
    const dir = dirWith("compose.yaml", "other.yml");
    expect(findTemplates(dir, ["compose.yaml", "other.yml"])).toEqual([path.join(dir, "compose.yaml"), path.join(dir, "other.yml")]);
    expect(findTemplates(dir, undefined, { COMPOSE_FILE: "compose.yaml:other.yml" })).toEqual([path.join(dir, "compose.yaml"), path.join(dir, "other.yml")]);
    expect(findTemplates(dir, undefined, { COMPOSE_FILE: "compose.yaml;other.yml", COMPOSE_PATH_SEPARATOR: ";" })).toHaveLength(2);
    expect(findTemplate(dir, undefined, { COMPOSE_FILE: "other.yml" })).toBe(path.join(dir, "other.yml"));
    const withOverride = dirWith("docker-compose.yml", "docker-compose.override.yml");
    expect(findTemplates(withOverride)).toEqual([path.join(withOverride, "docker-compose.yml"), path.join(withOverride, "docker-compose.override.yml")]);
    // compose v2 takes the first override file of its list, whichever the template's name.
    expect(findTemplates(dirWith("compose.yaml", "compose.override.yaml", "docker-compose.override.yml"))[1]).toMatch(/[/\\]compose\.override\.yaml$/);
    // compose reads no override when -f names the file, and nor does Berth.
    expect(findTemplate(withOverride, ["docker-compose.yml"])).toBe(path.join(withOverride, "docker-compose.yml"));
    expect(() => findTemplates(dir, ["compose.yaml", "nope.yml"])).toThrow(expect.objectContaining({ code: "E_NO_TEMPLATE" }));
  });

  it("E_NO_TEMPLATE lists what was tried", () => {
    const dir = dirWith();
    expect(() => findTemplate(dir)).toThrow(
      expect.objectContaining({
        code: "E_NO_TEMPLATE",
        message: `no template found in ${dir}: tried compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml (or pass -f FILE)`,
      }),
    );
  });

  it("E_NO_TEMPLATE for a missing -f, and for a directory", () => {
    const dir = dirWith();
    mkdirSync(path.join(dir, "compose.yaml"));
    expect(() => findTemplate(dir, "nope.yml")).toThrow(expect.objectContaining({ code: "E_NO_TEMPLATE", message: `template file '${path.join(dir, "nope.yml")}' not found` }));
    expect(() => findTemplate(dir)).toThrow(expect.objectContaining({ code: "E_NO_TEMPLATE" }));
  });
});

describe("readDotenv", () => {
  it("reads .env in a directory, {} when there is none", () => {
    const dir = dirWith();
    expect(readDotenv(dir)).toEqual({});
    writeFileSync(path.join(dir, ".env"), "COMPOSE_PROJECT_NAME=shop\n# comment\nBERTH_DOMAIN=\"apps.local\"\n");
    expect(readDotenv(dir)).toEqual({ COMPOSE_PROJECT_NAME: "shop", BERTH_DOMAIN: "apps.local" });
  });

  it("a malformed .env throws UserErrors with line:col", () => {
    const dir = dirWith();
    writeFileSync(path.join(dir, ".env"), "GOOD=1\nBAD LINE\n");
    expect(() => readDotenv(dir, "proj")).toThrow(expect.objectContaining({ message: "Error: proj/.env:2:1: expected KEY=VALUE, got 'BAD LINE'" }));
  });
});
