/**
 * Compose secrets and configs on the real engine: written where compose mounts them, with
 * their modes and owners; a changed secret file plans a replacement; no output holds a secret.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { berth, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const exec = promisify(execFile);
const SECRET = "db-pass-7f3a9c1e";
const TOKEN = "api-token-4b2d8e6f";

const TEMPLATE = `services:
  db:
    image: berth/web:1
    secrets:
      - db_password
      - source: api_token
        target: token
        uid: '33'
        mode: 0400
    configs:
      - source: app_conf
        target: /etc/app/app.conf
secrets:
  db_password:
    file: ./db_password.txt
  api_token:
    environment: API_TOKEN
configs:
  app_conf:
    content: |
      listen = 8080
`;

async function inContainer(container: string, script: string): Promise<string> {
  const { stdout } = await exec("docker", ["exec", container, "sh", "-c", script]);
  return stdout;
}

describe("secrets and configs on the real engine", () => {
  let docker: Docker;
  let dir: string;
  const project = uniqueProject("sec");
  const env = { API_TOKEN: TOKEN };
  const run = (...args: string[]) => berth([...args, "-f", path.join(dir, "docker-compose.yml"), "-p", project], { env });
  const outputs: string[] = [];

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), "berth-sec-"));
    await writeFile(path.join(dir, "docker-compose.yml"), TEMPLATE);
    await writeFile(path.join(dir, "db_password.txt"), SECRET);
  });
  afterAll(async () => {
    await removeProject(docker, project);
  });

  it("writes each file where compose mounts it, with its mode and owner", async () => {
    const apply = await run("apply", "--auto-approve");
    outputs.push(apply.stdout, apply.stderr);
    expect(apply.code).toBe(0);
    const c = `${project}_db_1`;
    expect(await inContainer(c, "cat /run/secrets/db_password")).toBe(SECRET);
    expect(await inContainer(c, "cat /run/secrets/token")).toBe(TOKEN);
    expect(await inContainer(c, "stat -c '%a %u' /run/secrets/token /run/secrets/db_password")).toBe("400 33\n444 0\n");
    expect(await inContainer(c, "cat /etc/app/app.conf")).toBe("listen = 8080\n");
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("a changed secret file plans a replacement that names the secret, not its value", async () => {
    await writeFile(path.join(dir, "db_password.txt"), `${SECRET}-rotated`);
    const plan = await run("plan", "--out", path.join(dir, "rotate.plan"));
    outputs.push(plan.stdout, plan.stderr);
    expect(plan.stdout).toContain("container.db[0] must be replaced");
    expect(plan.stdout).toMatch(/"secret:db_password" = \(sensitive value\)/);
    const json = await run("plan", "--json");
    outputs.push(json.stdout);
    const apply = await run("apply", path.join(dir, "rotate.plan"));
    outputs.push(apply.stdout, apply.stderr);
    expect(apply.code).toBe(0);
    expect(await inContainer(`${project}_db_1`, "cat /run/secrets/db_password")).toBe(`${SECRET}-rotated`);
    for (const args of [["show"], ["show", "--json"], ["state", "show", "container.db[0]"]]) {
      const shown = await run(...args);
      outputs.push(shown.stdout, shown.stderr);
    }
  });

  it("no output and no file Berth wrote but the 0600 state holds a secret byte", async () => {
    const files = (await readdir(dir, { recursive: true })).filter((f) => !f.endsWith(".state.json") && !f.endsWith(".txt") && !f.includes(".backup"));
    for (const f of files) {
      const full = path.join(dir, f);
      const text = await readFile(full, "utf8").catch(() => "");
      outputs.push(text);
    }
    for (const secret of [SECRET, TOKEN]) {
      const hits = outputs.filter((o) => o.includes(secret));
      expect(hits.map((h) => h.slice(Math.max(0, h.indexOf(secret) - 300), h.indexOf(secret) + 40)), `found ${secret}`).toEqual([]);
    }
  });
});
