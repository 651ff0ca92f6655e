import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { berth, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const template = (opts: { scale: number; feature: string; greeting: string }) => `web:
  image: berth/web:1
  environment:
    FEATURE_X: '${opts.feature}'
    GREETING: ${opts.greeting}
  labels:
    aliyun.scale: '${opts.scale}'
    berth.ignore_changes: scale, environment.FEATURE_X
`;

/** What something else manages (the replica count, a feature flag) Berth leaves as it runs. */
describe("berth.ignore_changes on the real Docker engine", () => {
  let docker: Docker;
  let file: string;
  const project = uniqueProject("ign");
  const run = (...args: string[]) => berth([...args, "-f", file, "-p", project]);
  const ids = async () => Object.fromEntries((await projectContainers(docker, project)).map((c) => [c.Names[0].slice(1), c.Id]));
  const envOf = async (name: string) => (await docker.getContainer(name).inspect()).Config.Env;

  beforeAll(async () => {
    docker = await requireDocker();
    file = path.join(await mkdtemp(path.join(tmpdir(), "berth-ign-")), "docker-compose.yml");
    await writeFile(file, template({ scale: 2, feature: "off", greeting: "hello" }));
  });
  afterAll(async () => {
    if (docker) await removeProject(docker, project);
  });

  it("applies the template's count first, then ignores a new count and a new flag value", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    const before = await ids();
    expect(Object.keys(before).sort()).toEqual([`${project}_web_1`, `${project}_web_2`]);

    await writeFile(file, template({ scale: 3, feature: "on", greeting: "hello" }));
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.stdout).toContain("No changes.");
    expect(plan.code).toBe(0);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await ids()).toEqual(before);
    expect(await envOf(`${project}_web_1`)).toContain("FEATURE_X=off");
  });

  it("keeps a service scaled down by hand as it runs: no drift, nothing created", async () => {
    await docker.getContainer(`${project}_web_2`).remove({ force: true });
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.stdout).toContain("No changes.");
    expect(plan.stdout).not.toContain("outside of Berth");
    expect(plan.code).toBe(0);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(Object.keys(await ids())).toEqual([`${project}_web_1`]);
  });

  it("a change it does not ignore replaces the replica that runs, created from the template as written", async () => {
    const before = await ids();
    await writeFile(file, template({ scale: 3, feature: "on", greeting: "bonjour" }));
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("Resources: 1 added, 0 changed, 1 destroyed");
    const after = await ids();
    expect(Object.keys(after)).toEqual([`${project}_web_1`]);
    expect(after[`${project}_web_1`]).not.toBe(before[`${project}_web_1`]);
    expect(await envOf(`${project}_web_1`)).toEqual(expect.arrayContaining(["FEATURE_X=on", "GREETING=bonjour"]));
    const again = await run("plan", "--detailed-exitcode");
    expect(again.stdout).toContain("No changes.");
    expect(again.code).toBe(0);
  });

  it("refuses an attribute it cannot ignore, naming file:line:col, and changes nothing", async () => {
    const before = await ids();
    await writeFile(file, template({ scale: 1, feature: "on", greeting: "bonjour" }).replace("environment.FEATURE_X", "enviroment.FEATURE_X"));
    const plan = await run("plan");
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain("docker-compose.yml:8:34: berth.ignore_changes: 'enviroment.FEATURE_X' is no attribute Berth can ignore");
    expect(await ids()).toEqual(before);
  });
});
