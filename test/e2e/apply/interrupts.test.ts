import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { berth, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const template = (release: string) => `db:
  image: berth/web:1
  environment:
    RELEASE: '${release}'
worker:
  image: berth/web:1
  environment:
    RELEASE: '${release}'
  labels:
    aliyun.scale: '2'
api:
  image: berth/web:1
  environment:
    RELEASE: '1'
  labels:
    aliyun.scale: '2'
`;

interface JsonChange {
  address: string;
  interrupts: boolean;
  interruption: string | null;
  change: { actions: string[] };
}

/** What the plan says about outages, from the CLI against what the engine runs. */
describe("plans that say what interrupts service, on the real Docker engine", () => {
  let docker: Docker;
  let file: string;
  const project = uniqueProject("intr");
  const run = (...args: string[]) => berth([...args, "-f", file, "-p", project]);

  beforeAll(async () => {
    docker = await requireDocker();
    file = path.join(await mkdtemp(path.join(tmpdir(), "berth-intr-")), "docker-compose.yml");
    await writeFile(file, template("1"));
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
  });
  afterAll(async () => {
    if (docker) await removeProject(docker, project);
  });

  it("flags the only replica and a service replaced whole, in JSON, text and the PR comment first", async () => {
    await writeFile(file, template("2"));
    const json = await run("plan", "--json");
    expect(json.code).toBe(0);
    const changes = (JSON.parse(json.stdout) as { resource_changes: JsonChange[] }).resource_changes.filter((c) => c.change.actions[0] !== "no-op");
    expect(changes.map((c) => [c.address, c.change.actions.join(","), c.interrupts])).toEqual([
      ["container.db[0]", "delete,create", true],
      ["container.worker[0]", "delete,create", true],
      ["container.worker[1]", "delete,create", true],
    ]);
    expect(changes[0].interruption).toBe("the only replica of db is replaced destroy-first: none serves meanwhile");

    const text = await run("plan");
    expect(text.stdout).toContain("Warning: 3 changes interrupt service: container.db[0], container.worker[0], container.worker[1]");
    const md = await run("plan", "--markdown");
    expect(md.stdout.split("\n").slice(0, 4)).toEqual([
      `### Berth plan for \`${project}\``,
      "",
      "> [!WARNING]",
      "> **3 changes interrupt service: `container.db[0]`, `container.worker[0]`, `container.worker[1]`**",
    ]);
  });

  it("one of several replicas changed by hand is replaced while the others serve: no interruption", async () => {
    await writeFile(file, template("1"));
    await docker.getContainer(`${project}_api_2`).rename({ name: `${project}_api_by_hand` });
    const json = await run("plan", "--json");
    const changes = (JSON.parse(json.stdout) as { resource_changes: JsonChange[] }).resource_changes.filter((c) => c.change.actions[0] !== "no-op");
    expect(changes.map((c) => [c.address, c.change.actions.join(","), c.interrupts])).toEqual([["container.api[1]", "delete,create", false]]);
    expect((await run("plan")).stdout).not.toContain("interrupt");
  });
});
