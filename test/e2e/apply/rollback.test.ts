import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { berth, editFile, removeProject, requireDocker, uniqueProject } from "../helpers.js";

// `side` never changes: a rollback must leave it running as it is.
const template = (image: string) => `services:\n  web:\n    image: ${image}\n    ports:\n      - "127.0.0.1::8080"\n  side:\n    image: berth/web:1\n`;

describe("berth rollback: the previous applied configuration, with the same image IDs, through a plan", () => {
  let docker: Docker;
  let dir: string;
  const project = uniqueProject("rbk");
  const run = (...args: string[]) => berth([...args, "-p", project, "--state", path.join(dir, "state.json")], { cwd: dir });
  const imageOf = async () => (await docker.getContainer(`${project}_web_1`).inspect()).Image;
  const keptTags = async () =>
    (await docker.listImages({ filters: { reference: [`berth-keep/${project}`] } })).flatMap((i) => i.RepoTags ?? []).filter((t) => t.endsWith("-web")).sort();

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), "berth-rollback-"));
  });
  afterAll(async () => {
    if (docker) await removeProject(docker, project);
    await docker?.getImage(`${project}/moving:1`).remove({ noprune: true }).catch(() => {});
  });

  it("returns to the image ID the previous apply ran, even after its tag moved, and keeps it from pruning", async () => {
    // A tag of the project's own that moves, as a rebuilt `latest` does.
    const tag = `${project}/moving:1`;
    const v1 = (await docker.getImage("berth/web:1").inspect()).Id;
    const v2 = (await docker.getImage("berth/web:2").inspect()).Id;
    await docker.getImage(v1).tag({ repo: `${project}/moving`, tag: "1" });
    await writeFile(path.join(dir, "docker-compose.yml"), template(tag));
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await imageOf()).toBe(v1);

    const none = await run("rollback", "--auto-approve");
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no previous one to roll back to");

    await editFile(path.join(dir, "docker-compose.yml"), () => template("berth/web:2"));
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await imageOf()).toBe(v2);
    // The old tag moves on: only Berth's keep-tag still names the image the first apply ran.
    await docker.getImage(v2).tag({ repo: `${project}/moving`, tag: "1" });

    const history = await run("history");
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(new RegExp(`\\(current\\)\\n {4}side: .*\\n {4}web: berth/web:2 {2}${v2.slice(7, 19)} {2}\\(kept as berth-keep/${project}:\\d+-web\\)\\n`));
    const tags = await keptTags();
    expect(tags).toHaveLength(2);
    // What keeps the first apply's image from being dangling (and pruned) now its tag moved on.
    const keptIds = await Promise.all(tags.map(async (t) => (await docker.getImage(t).inspect()).Id));
    expect(keptIds.sort()).toEqual([v1, v2].sort());

    const side = (await docker.getContainer(`${project}_side_1`).inspect()).Id;
    const rollback = await run("rollback", "--auto-approve");
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain("Rolling back to the configuration applied as serial");
    expect(rollback.stdout).toContain("container.web[0] must be replaced");
    expect(rollback.stdout).toContain("Apply complete! Resources: 1 added, 0 changed, 1 destroyed");
    expect(await imageOf()).toBe(v1);
    expect((await docker.getContainer(`${project}_side_1`).inspect()).Id).toBe(side);

    const state = JSON.parse(await readFile(path.join(dir, "state.json"), "utf8"));
    expect(state.history).toHaveLength(3);
    expect(state.history[2].rollbackOf).toBe(state.history[0].serial);
    // Nothing changed by hand: a plan of what was just rolled back to would be empty; the template still says web:2.
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('image        = "berth-keep/');

    // Beyond BERTH_HISTORY the keep-tags go.
    const again = await berth(["rollback", "--auto-approve", "-p", project, "--state", path.join(dir, "state.json")], { cwd: dir, env: { BERTH_HISTORY: "1" } });
    expect(again.code, again.stderr).toBe(0);
    expect(await imageOf()).toBe(v2);
    expect(await keptTags()).toHaveLength(1);
  });
});
