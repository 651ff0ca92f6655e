import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { berth, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const TEMPLATE = `services:
  web:
    image: berth/web:1
    ports:
      - "127.0.0.1::8080"
    deploy:
      replicas: 3
`;

describe("plan and apply --refresh-only: what changed outside Berth goes into the state, nothing that runs changes", () => {
  let docker: Docker;
  let dir: string;
  const project = uniqueProject("rfo");
  const stateFile = () => path.join(dir, "state.json");
  const run = (...args: string[]) => berth([...args, "-p", project, "--state", stateFile()], { cwd: dir });
  const containersNow = async () =>
    Object.fromEntries((await projectContainers(docker, project)).map((c) => [c.Names[0].replace(/^\//, ""), `${c.Id} ${c.State}`]));

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), "berth-refresh-only-"));
    await writeFile(path.join(dir, "docker-compose.yml"), TEMPLATE);
  });
  afterAll(async () => {
    if (docker) await removeProject(docker, project);
  });

  it("records a hand `docker stop` and a hand `docker rm`, then plans no refresh", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.code, apply.stderr).toBe(0);
    await docker.getContainer(`${project}_web_2`).stop({ t: 1 });
    await docker.getContainer(`${project}_web_3`).remove({ force: true });
    const before = await containersNow();
    const serialBefore = JSON.parse(await readFile(stateFile(), "utf8")).serial;

    const plan = await run("plan", "--refresh-only", "--detailed-exitcode");
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain("container.web[1] was stopped outside Berth");
    expect(plan.stdout).toContain("container.web[2] was removed outside Berth");
    expect(plan.stdout).toContain("This is a refresh-only plan");
    expect(plan.stdout).toContain("Plan: the state is updated to match what runs for 2 resources; 0 to add, 0 to change, 0 to destroy.");
    const json = JSON.parse((await run("plan", "--refresh-only", "--json")).stdout);
    expect(json.refresh_only).toBe(true);
    expect(json.resource_changes).toEqual([]);
    expect(json.resource_drift.map((d: { address: string }) => d.address)).toEqual(["container.web[1]", "container.web[2]"]);

    const refresh = await run("apply", "--refresh-only", "--auto-approve");
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(refresh.stdout).toContain("2 resources updated in the state, nothing that runs was changed");
    expect(await containersNow()).toEqual(before);

    const state = JSON.parse(await readFile(stateFile(), "utf8"));
    expect(state.serial).toBe(serialBefore + 1);
    const web = (i: number) => state.resources.find((r: { address: string }) => r.address === `container.web[${i}]`);
    expect(web(1).attributes.running).toBe(false);
    expect(web(2)).toBeUndefined();
    expect(web(0).attributes.running).toBe(true);

    const again = await run("plan", "--refresh-only", "--detailed-exitcode");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes. The state still matches what runs");
    const noop = await run("apply", "--refresh-only", "--auto-approve");
    expect(noop.code).toBe(0);
    expect(JSON.parse(await readFile(stateFile(), "utf8")).serial).toBe(serialBefore + 1);

    // The template still wants three running replicas: a normal plan starts one and makes one, with no drift left.
    const normal = await run("plan", "--detailed-exitcode");
    expect(normal.code).toBe(2);
    expect(normal.stdout).not.toContain("outside of Berth");
    expect(normal.stdout).toContain("Plan: 1 to add, 1 to change, 0 to destroy.");
  });

  it("refuses what a refresh-only plan cannot be", async () => {
    const saved = await run("plan", "--refresh-only", "--out", path.join(dir, "x.plan"));
    expect(saved.code).toBe(1);
    expect(saved.stderr).toContain("a refresh-only plan is not saved");
    const blind = await run("plan", "--refresh-only", "--no-refresh");
    expect(blind.code).toBe(1);
    expect(blind.stderr).toContain("--refresh-only observes the engines");
  });
});
