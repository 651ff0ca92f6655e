import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { berth, editFile, httpGet, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const ROUTER = process.env.BERTH_ROUTER_LISTEN ?? "127.0.0.1:8480";

/** Requests through the router until stopped; counts what did not answer 200. */
function loadThroughRouter(host: string, workers = 4) {
  let stopped = false;
  const result = { ok: 0, failed: 0, versions: new Set<string>(), errors: [] as string[] };
  const worker = async () => {
    while (!stopped) {
      try {
        const res = await httpGet(`http://${ROUTER}/load`, { Host: host });
        if (res.status === 200) {
          result.ok++;
          result.versions.add(/version=(\d+)/.exec(res.body)?.[1] ?? "?");
        } else {
          result.failed++;
          result.errors.push(`${res.status} ${res.body.slice(0, 80)}`);
        }
      } catch (e) {
        result.failed++;
        result.errors.push((e as Error).message);
      }
    }
  };
  const running = Promise.all(Array.from({ length: workers }, worker));
  return {
    stop: async () => {
      stopped = true;
      await running;
      return result;
    },
  };
}

describe("zero-downtime rolling update through the router (real dockerd and nginx)", () => {
  let docker: Docker;
  let file: string;
  const project = uniqueProject("roll");
  const host = `${project}.localhost`;
  const run = (...args: string[]) => berth([...args, "-f", file, "-p", project]);

  beforeAll(async () => {
    docker = await requireDocker();
    const dir = await mkdtemp(path.join(tmpdir(), "berth-roll-"));
    file = path.join(dir, "docker-compose.yml");
    await writeFile(
      file,
      `web:\n  image: berth/web:1\n  expose: ['8080']\n  labels:\n    aliyun.scale: '3'\n    aliyun.routing.port_8080: ${project}\n    aliyun.rolling_updates: 'true'\n`,
    );
  });
  afterAll(async () => {
    await run("destroy", "--auto-approve");
    if (docker) await removeProject(docker, project);
  });

  it("changes the image of 3 routed replicas under load without a failed request", async () => {
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    await editFile(file, (t) => t.replace("berth/web:1", "berth/web:2"));
    const plan = await run("plan");
    expect(plan.stdout).toContain("+/- resource");
    expect(plan.stdout).toContain("create replacement and then destroy");
    // The hand-over is in the plan: the upstream moves to the new replicas' endpoints, known after apply.
    expect(plan.stdout).toMatch(/~ update in place \(1\): upstream\./);
    expect(plan.stdout).toMatch(/endpoints = \[\.\.\.\] -> \(known after apply\)|endpoints = \{\.\.\.\} -> \(known after apply\)/);

    const load = loadThroughRouter(host);
    await new Promise((r) => setTimeout(r, 500));
    const apply = await run("apply", "--auto-approve");
    await new Promise((r) => setTimeout(r, 500));
    const result = await load.stop();

    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("3 added, 1 changed, 3 destroyed");
    // Each old replica stops only after the upstream moved over to the new ones.
    const lines = apply.stdout.split("\n");
    const moved = lines.findIndex((l) => /^upstream\..*(Modifications complete|complete after)/.test(l));
    const firstStop = lines.findIndex((l) => /stopping \S+_web_\d$/.test(l));
    expect(moved, apply.stdout).toBeGreaterThan(-1);
    expect(firstStop, apply.stdout).toBeGreaterThan(moved);
    expect(result.errors).toEqual([]);
    expect(result.ok).toBeGreaterThan(20);
    expect(result.versions).toEqual(new Set(["1", "2"]));
    const after = await httpGet(`http://${ROUTER}/`, { Host: host });
    expect(after.body).toContain("version=2");
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });
});
