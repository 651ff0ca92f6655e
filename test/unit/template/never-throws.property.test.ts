import { writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/core/errors.js";
import { loadTemplate } from "../../../src/template/load.js";
import { tempDir } from "./helpers.js";

const dir = tempDir("berth-property-");
const file = path.join(dir, "docker-compose.yml");
writeFileSync(path.join(dir, "a.env"), "A=1\n");

/** Loads text; resolves to "ok" or the error, which must be a UserError. */
async function outcome(text: string): Promise<unknown> {
  writeFileSync(file, text);
  try {
    await loadTemplate(file, { env: { SET: "x", PORT: "80" }, domain: "localhost" });
    return "ok";
  } catch (e) {
    return e;
  }
}

/** Pieces that exercise YAML syntax, interpolation and Berth's own parsers. */
const TOKENS = [
  "\n", "\n  ", "\n    ", "\n- ", ": ", ":", "- ", "  ", "'", '"', "[", "]", "{", "}", ",", "#", "&a ", "*a", "<<: ", "!tag ", "|\n  ", ">\n  ",
  "$", "${", "}", "$$", "${SET}", "${UNSET:?m}", "${X:-d}", "?", "~", "null", "true", "0", "-1", "65536", "8080:80", "127.0.0.1::80", "80/udp",
  "web", "db", "image", "ports", "labels", "links", "environment", "env_file", "a.env", "build", "command", "healthcheck", "test", "interval",
  "aliyun.scale", "aliyun.routing.port_80", "aliyun.probe.url", "aliyun.depends", "aliyun.logs", "http://", "services", "version", "deploy", "replicas",
  "x-", "=", ";", "/", ".", "\t", "\\", "é", "\u0000",
];

const yamlish = fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 })), { maxLength: 40 }).map((parts) => parts.join(""));

const KEYS = ["image", "build", "command", "entrypoint", "environment", "env_file", "expose", "ports", "links", "extra_hosts", "labels", "restart",
  "volumes", "depends_on", "healthcheck", "hostname", "working_dir", "user", "container_name", "scale", "deploy", "networks", "bogus",
  "ulimits", "sysctls", "tmpfs", "devices", "mem_limit", "memswap_limit", "cpus", "logging", "profiles", "cap_add", "stop_grace_period", "extends"];
const scalar = fc.oneof(fc.constantFrom(...TOKENS.filter((t) => !t.includes("\n"))), fc.integer({ min: -5, max: 70000 }).map(String), fc.string({ maxLength: 8 }));
const value = fc.oneof(
  scalar.map((s) => JSON.stringify(s)),
  fc.array(scalar, { maxLength: 3 }).map((items) => `[${items.map((s) => JSON.stringify(s)).join(", ")}]`),
  fc.dictionary(fc.constantFrom("aliyun.scale", "aliyun.routing.port_80", "target", "published", "test", "replicas", "a", "soft", "hard", "nofile", "driver", "resources", "restart_policy", "source"), scalar, { maxKeys: 3 })
    .map((d) => JSON.stringify(d)),
);
const service = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 })
  .map((keys) => Object.entries(keys).map(([k, v]) => `  ${k}: ${v}`).join("\n"));
const templateLike = fc.dictionary(fc.constantFrom("web", "db", "cache", "bad name", "x-ext"), service, { minKeys: 1, maxKeys: 3 })
  .map((services) => Object.entries(services).map(([name, body]) => `${name}:\n${body}`).join("\n") + "\n");

describe("loading never throws anything but UserError/UserErrors", () => {
  it("for random YAML-ish text", async () => {
    await fc.assert(
      fc.asyncProperty(yamlish, async (text) => {
        const result = await outcome(text);
        expect(result === "ok" || result instanceof UserError).toBe(true);
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it("for random template-shaped YAML", async () => {
    await fc.assert(
      fc.asyncProperty(templateLike, async (text) => {
        const result = await outcome(text);
        expect(result === "ok" || result instanceof UserError).toBe(true);
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it("for two random template-shaped files merged, with extends, !reset and !override", async () => {
    const tagged = fc.oneof(value, value.map((v) => `!override ${v}`), fc.constant("!reset null"), fc.constant("!reset []"), fc.constantFrom("web", "db", "cache").map((s) => JSON.stringify(s)));
    const taggedService = fc.dictionary(fc.constantFrom(...KEYS), tagged, { maxKeys: 5 }).map((keys) => Object.entries(keys).map(([k, v]) => `    ${k}: ${v}`).join("\n"));
    const composeFile = fc
      .tuple(fc.boolean(), fc.dictionary(fc.constantFrom("web", "db", "cache", "x-ext"), taggedService, { minKeys: 1, maxKeys: 3 }))
      .map(([servicesFormat, services]) =>
        servicesFormat
          ? `services:\n${Object.entries(services).map(([name, body]) => `  ${name}:\n${body}`).join("\n")}\n`
          : Object.entries(services).map(([name, body]) => `${name}:\n${body.replace(/^ {2}/gm, "")}`).join("\n") + "\n",
      );
    await fc.assert(
      fc.asyncProperty(composeFile, composeFile, async (first, second) => {
        writeFileSync(file, first);
        writeFileSync(path.join(dir, "override.yml"), second);
        let result: unknown = "ok";
        try {
          await loadTemplate([file, path.join(dir, "override.yml")], { env: { SET: "x" }, domain: "localhost" });
        } catch (e) {
          result = e;
        }
        expect(result === "ok" || result instanceof UserError).toBe(true);
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
