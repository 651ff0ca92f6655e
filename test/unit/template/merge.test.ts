import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { UserErrors } from "../../../src/core/errors.js";
import { loadTemplate } from "../../../src/template/load.js";
import type { Template } from "../../../src/template/types.js";
import { expectGolden } from "../golden.js";
import { shown, tempDir } from "./helpers.js";

const golden = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), "golden", name);

/** A folder holding `files`; returns it. */
function folder(files: Record<string, string>): string {
  const dir = tempDir("berth-merge-");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function loadIn(dir: string, names: string[], env: Record<string, string> = {}): Promise<Template> {
  return loadTemplate(names.map((n) => path.join(dir, n)), { env, domain: "localhost" });
}

async function errorsIn(dir: string, names: string[], env: Record<string, string> = {}): Promise<string[]> {
  try {
    await loadIn(dir, names, env);
  } catch (e) {
    if (!(e instanceof UserErrors)) throw e;
    return e.diagnostics.map((d) => shown(d, dir).replaceAll(dir, "<dir>"));
  }
  throw new Error("expected the files to be rejected");
}

/** What the merge decides, per service, with the temporary folder shown as <dir>. */
function view(template: Template, dir: string): string {
  const services = Object.fromEntries(
    template.services.map((s) => [
      s.name,
      {
        image: s.image,
        build: s.build && { context: s.build.contextDir, dockerfile: s.build.dockerfile, args: s.build.args },
        command: s.command,
        entrypoint: s.entrypoint,
        environment: s.environment,
        labels: s.labels,
        ports: s.ports,
        expose: s.expose,
        volumes: s.volumes,
        networks: s.networks?.map((n) => ({ key: n.key, aliases: n.aliases })) ?? null,
        depends_on: s.dependsOn.map((d) => `${d.service}:${d.condition}`),
        extra_hosts: s.extraHosts,
        settings: s.settings,
        healthcheck: s.healthcheck && { test: s.healthcheck.test },
        at: `${path.relative(dir, s.loc.file)}:${s.loc.line}:${s.loc.col}`,
      },
    ]),
  );
  const top = { name: template.name, networks: template.networks.map((n) => n.key), volumes: template.volumes.map((v) => v.key) };
  return JSON.stringify({ top, services }, null, 2).replaceAll(dir, "<dir>") + "\n";
}

describe("several compose files are merged as docker compose merges them", () => {
  it("override: maps merged, lists appended or merged by key, commands replaced, !reset and !override", async () => {
    const dir = folder({
      "compose.yaml": [
        "name: shop",
        "services:",
        "  web:",
        "    image: shop/web:1",
        "    command: [serve, --port, '80']",
        "    environment:",
        "      LOG: info",
        "      DEBUG: '0'",
        "    labels: [team=web, tier=front]",
        "    ports: ['8080:80', '8443:443']",
        "    expose: ['9000']",
        "    volumes: ['data:/data', './conf:/etc/web:ro']",
        "    dns: [1.1.1.1]",
        "    extra_hosts: ['db.local:10.0.0.2']",
        "    healthcheck:",
        "      test: [CMD, /bin/check, one]",
        "      interval: 10s",
        "  db:",
        "    image: shop/db:1",
        "    ports: ['5432:5432']",
        "volumes:",
        "  data: {}",
        "",
      ].join("\n"),
      "compose.override.yaml": [
        "services:",
        "  web:",
        "    image: shop/web:2",
        "    command: serve --debug",
        "    environment:",
        "      - DEBUG=1",
        "      - EXTRA=yes",
        "    labels:",
        "      tier: back",
        "    ports: ['8080:80', '9090:90']",
        "    expose: ['9000', '9001']",
        "    volumes: ['./data:/data']",
        "    dns: [8.8.8.8]",
        "    extra_hosts: ['db.local:10.0.0.3']",
        "    healthcheck:",
        "      test: [CMD, /bin/check, two]",
        "    depends_on: [db]",
        "  db:",
        "    ports: !reset []",
        "    environment:",
        "      POSTGRES_DB: shop",
        "  cache:",
        "    image: redis:7",
        "    ports: !override ['6379:6379']",
        "",
      ].join("\n"),
    });
    const template = await loadIn(dir, ["compose.yaml", "compose.override.yaml"]);
    expect(template.warnings.map((d) => shown(d, dir))).toEqual([]);
    expectGolden(golden("merge-override.json"), view(template, dir));
  });

  it("the later file's !override replaces a list the earlier one wrote", async () => {
    const dir = folder({
      "a.yml": "services:\n  web:\n    image: a\n    ports: ['8080:80']\n",
      "b.yml": "services:\n  web:\n    ports: !override ['8443:443']\n",
    });
    const web = (await loadIn(dir, ["a.yml", "b.yml"])).services[0];
    expect(web.ports.map((p) => `${p.hostPort}:${p.containerPort}`)).toEqual(["8443:443"]);
  });

  it("!reset removes a key and an environment variable", async () => {
    const dir = folder({
      "a.yml": "services:\n  web:\n    image: a\n    command: [run]\n    environment: {FOO: bar, KEEP: '1'}\n",
      "b.yml": "services:\n  web:\n    command: !reset null\n    environment:\n      FOO: !reset null\n",
    });
    const web = (await loadIn(dir, ["a.yml", "b.yml"])).services[0];
    expect(web.command).toBeNull();
    expect(web.environment).toEqual({ KEEP: "1" });
  });

  it("a key written with nothing after it keeps the earlier value (only !reset clears)", async () => {
    const dir = folder({
      "a.yml": "services:\n  web:\n    image: a\n    environment: {A: '1'}\n    ports: ['8080:80']\n",
      "b.yml": "services:\n  web:\n    environment:\n    ports:\n",
    });
    const web = (await loadIn(dir, ["a.yml", "b.yml"])).services[0];
    expect(web.environment).toEqual({ A: "1" });
    expect(web.ports).toHaveLength(1);
  });

  it("errors name the file and line a value came from, not the first file's", async () => {
    const dir = folder({
      "compose.yaml": "services:\n  web:\n    image: a\n    ports: ['8080:80']\n",
      "compose.override.yaml": "services:\n  web:\n    ports:\n      - '99999:80'\n    restart: sometimes\n",
    });
    expect(await errorsIn(dir, ["compose.yaml", "compose.override.yaml"])).toEqual([
      expect.stringMatching(/^compose\.override\.yaml:4:9: .*99999/),
      expect.stringMatching(/^compose\.override\.yaml:5:14: .*restart/),
    ]);
  });

  it("relative paths of every -f file are relative to the first file's folder (compose's project directory)", async () => {
    const dir = folder({
      "compose.yaml": "services:\n  web:\n    image: a\n",
      "env/web.env": "FROM_FILE=1\n",
      "overrides/dev.yml": "services:\n  web:\n    env_file: env/web.env\n    volumes: ['./src:/src']\n",
    });
    const web = (await loadIn(dir, ["compose.yaml", "overrides/dev.yml"])).services[0];
    expect(web.environment).toEqual({ FROM_FILE: "1" });
    expect(web.volumes).toEqual(["./src:/src"]);
  });

  it("the template hash covers every file: a changed override changes it", async () => {
    const dir = folder({ "a.yml": "services:\n  web:\n    image: a\n", "b.yml": "services:\n  web:\n    image: b\n" });
    const one = (await loadIn(dir, ["a.yml", "b.yml"])).hash;
    writeFileSync(path.join(dir, "b.yml"), "services:\n  web:\n    image: c\n");
    expect((await loadIn(dir, ["a.yml", "b.yml"])).hash).not.toBe(one);
  });
});

describe("extends", () => {
  it("same file and file:, recursive, with the extended file's relative paths resolved against its folder", async () => {
    const dir = folder({
      "compose.yaml": [
        "services:",
        "  base:",
        "    image: app:1",
        "    environment: {LOG: info, MODE: base}",
        "    labels: [owner=ops]",
        "    command: [run]",
        "  web:",
        "    extends: base",
        "    environment: {MODE: web}",
        "    expose: ['80']",
        "  worker:",
        "    extends: web",
        "    command: [work]",
        "    ports: ['9090:90']",
        "  shared:",
        "    extends:",
        "      file: common/base.yml",
        "      service: tool",
        "    environment: {TOOL_MODE: shared}",
        "volumes:",
        "  named: {}",
        "",
      ].join("\n"),
      "common/base.yml": [
        "services:",
        "  tool:",
        "    build: ./tool",
        "    env_file: tool.env",
        "    volumes: ['./cache:/cache', 'named:/named']",
        "    entrypoint: [/bin/tool]",
        "",
      ].join("\n"),
      "common/tool.env": "FROM_TOOL_ENV=yes\n",
      "common/tool/Dockerfile": "FROM scratch\n",
    });
    const template = await loadIn(dir, ["compose.yaml"]);
    expectGolden(golden("merge-extends.json"), view(template, dir));
  });

  it("a cycle is an error naming the chain", async () => {
    const dir = folder({ "compose.yaml": "services:\n  a:\n    extends: b\n  b:\n    extends: c\n  c:\n    extends: a\n" });
    const errors = await errorsIn(dir, ["compose.yaml"]);
    expect(errors).toEqual(["compose.yaml:7:14: extends loops: a → b → c → a"]);
  });

  it("a cycle across files names each file", async () => {
    const dir = folder({
      "compose.yaml": "services:\n  web:\n    extends: {file: other.yml, service: x}\n",
      "other.yml": "services:\n  x:\n    extends: {file: compose.yaml, service: web}\n",
    });
    expect(await errorsIn(dir, ["compose.yaml"])).toEqual(["other.yml:3:44: extends loops: <dir>/compose.yaml:web → <dir>/other.yml:x → <dir>/compose.yaml:web"]);
  });

  it("errors in the extended file are shown in that file", async () => {
    const dir = folder({
      "compose.yaml": "services:\n  web:\n    extends: {file: lib/base.yml, service: base}\n",
      "lib/base.yml": "services:\n  base:\n    image: a\n    restart: sometimes\n",
    });
    expect(await errorsIn(dir, ["compose.yaml"])).toEqual([expect.stringMatching(/^lib\/base\.yml:4:14: .*restart/)]);
  });

  it("a missing base service, a missing file", async () => {
    const dir = folder({ "compose.yaml": "services:\n  web:\n    extends: nope\n  api:\n    extends: {file: gone.yml, service: x}\n" });
    expect(await errorsIn(dir, ["compose.yaml"])).toEqual([
      "compose.yaml:3:14: service 'web' extends 'nope', which is not a service",
      "compose.yaml:5:21: cannot read compose file '<dir>/gone.yml': no such file",
    ]);
  });
});

describe("include", () => {
  it("short and long form, project_directory and env_file; included paths resolve in the included project", async () => {
    const dir = folder({
      "compose.yaml": [
        "include:",
        "  - db/compose.yaml",
        "  - path: cache/cache.yml",
        "    project_directory: cache",
        "    env_file: cache/cache.env",
        "services:",
        "  web:",
        "    image: web",
        "    depends_on: [db, cache]",
        "",
      ].join("\n"),
      "db/compose.yaml": "services:\n  db:\n    image: postgres:${PG_VERSION}\n    volumes: ['./init:/docker-entrypoint-initdb.d', 'dbdata:/var/lib/postgresql/data']\nvolumes:\n  dbdata: {}\n",
      "db/.env": "PG_VERSION=16\n",
      "cache/cache.yml": "services:\n  cache:\n    image: redis:${REDIS_VERSION}\n    env_file: redis.env\n",
      "cache/cache.env": "REDIS_VERSION=7\n",
      "cache/redis.env": "MAXMEMORY=1gb\n",
    });
    const template = await loadIn(dir, ["compose.yaml"]);
    expectGolden(golden("merge-include.json"), view(template, dir));
  });

  it("the including file's variables win over the included project's .env (compose-go's rule)", async () => {
    const dir = folder({
      "compose.yaml": "include: [db/compose.yaml]\nservices:\n  web:\n    image: web\n",
      "db/compose.yaml": "services:\n  db:\n    image: postgres:${PG_VERSION}-${FLAVOUR}\n",
      "db/.env": "PG_VERSION=16\nFLAVOUR=alpine\n",
    });
    const db = (await loadIn(dir, ["compose.yaml"], { PG_VERSION: "15" })).services.find((s) => s.name === "db")!;
    expect(db.image).toBe("postgres:15-alpine");
  });

  it("an error in an included file is shown in that file", async () => {
    const dir = folder({ "compose.yaml": "include: [db/compose.yaml]\nservices: {}\n", "db/compose.yaml": "services:\n  db:\n    image: postgres\n    ports: ['5432:99999']\n" });
    expect(await errorsIn(dir, ["compose.yaml"])).toEqual([expect.stringMatching(/^db\/compose\.yaml:4:13: .*99999/)]);
  });

  it("an included service the file also defines is an error at the local definition", async () => {
    const dir = folder({
      "compose.yaml": "include: [other.yml]\nservices:\n  db:\n    image: mine\n",
      "other.yml": "services:\n  db:\n    image: theirs\n",
    });
    expect(await errorsIn(dir, ["compose.yaml"])).toEqual([
      "compose.yaml:3:3: service 'db' is defined here and in the included <dir>/other.yml (<dir>/other.yml:2:3): compose refuses an included service that conflicts",
    ]);
  });

  it("an include cycle is an error", async () => {
    const dir = folder({ "compose.yaml": "include: [a.yml]\nservices: {}\n", "a.yml": "include: [compose.yaml]\nservices:\n  a:\n    image: a\n" });
    expect(await errorsIn(dir, ["compose.yaml"])).toEqual(["a.yml:1:11: include loops: compose.yaml → a.yml → compose.yaml"]);
  });
});

describe("what cannot be merged is still reported", () => {
  it("services: that is not a map, beside an include", async () => {
    const dir = folder({ "compose.yaml": "include: [other.yml]\nservices: [web]\n", "other.yml": "services:\n  db:\n    image: postgres\n" });
    expect(await errorsIn(dir, ["compose.yaml"])).toEqual([expect.stringMatching(/^compose\.yaml:2:11: services must be a map/)]);
  });

  it("an override that is not a map, and a v1 file merged with a services: file", async () => {
    const dir = folder({ "a.yml": "services:\n  web:\n    image: a\n", "b.yml": "- web\n", "v1.yml": "web:\n  image: b\n" });
    expect(await errorsIn(dir, ["a.yml", "b.yml"])).toEqual(["b.yml:1:1: a compose file must be a map, got a list"]);
    expect(await errorsIn(dir, ["a.yml", "v1.yml"])).toEqual(["v1.yml:1:1: cannot merge a compose file with services at the top (v1) and one with services:"]);
  });

  it("v1 files merge service by service", async () => {
    const dir = folder({ "a.yml": "web:\n  image: a\n  environment: [A=1]\n", "b.yml": "web:\n  environment: [B=2]\n" });
    expect((await loadIn(dir, ["a.yml", "b.yml"])).services[0].environment).toEqual({ A: "1", B: "2" });
  });
});
