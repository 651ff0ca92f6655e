import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { berth, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const SLEEP = `["sh", "-c", "exec sleep 3600"]`;

/**
 * The files docker compose would read, on the real engine: the template with an `include:`, a
 * service that `extends:` one in another folder, the override file picked up beside the
 * template (no -f), and `volumes_from`.
 */
describe("extends, include, the override file and volumes_from on the real Docker engine", () => {
  let docker: Docker;
  let dir: string;
  let state: string;
  const project = uniqueProject("cmp-files");
  const run = (...args: string[]) => berth([...args, "-p", project, "--state", state], { cwd: dir });
  const inspect = (service: string) => docker.getContainer(`${project}_${service}_1`).inspect();

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), "berth-cmp-files-"));
    state = path.join(dir, "state.json");
    await mkdir(path.join(dir, "lib", "conf"), { recursive: true });
    await mkdir(path.join(dir, "cache"), { recursive: true });
    await writeFile(path.join(dir, "lib", "conf", "app.conf"), "from lib\n");
    await writeFile(
      path.join(dir, "compose.yaml"),
      [
        "include:",
        "  - cache/compose.yaml",
        "services:",
        "  data:",
        "    image: berth/web:1",
        `    command: ["sh", "-c", "echo shared > /shared/hello && exec sleep 3600"]`,
        "    volumes: [/shared]",
        "  app:",
        "    extends: {file: lib/base.yml, service: base}",
        "    volumes_from: ['data:ro']",
        "    depends_on: [cache]",
        "",
      ].join("\n"),
    );
    await writeFile(
      path.join(dir, "lib", "base.yml"),
      ["services:", "  base:", "    image: berth/web:1", `    command: ${SLEEP}`, "    environment: {FROM_BASE: '1', MODE: base}", "    volumes: ['./conf:/conf:ro']", ""].join("\n"),
    );
    await writeFile(path.join(dir, "compose.override.yaml"), ["services:", "  app:", "    environment:", "      MODE: override", ""].join("\n"));
    await writeFile(path.join(dir, "cache", "compose.yaml"), ["services:", "  cache:", "    image: berth/web:${WEB_TAG}", `    command: ${SLEEP}`, ""].join("\n"));
    await writeFile(path.join(dir, "cache", ".env"), "WEB_TAG=1\n");
  });
  afterAll(async () => {
    if (docker) {
      // Anonymous volumes are the containers' own: removed with them.
      for (const c of await projectContainers(docker, project)) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
      await removeProject(docker, project);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("applies what compose would run from those files", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);

    const app = await inspect("app");
    // extends: the base's settings; its relative bind is relative to lib/, where it is written.
    expect(app.Config.Image).toBe("berth/web:1");
    expect(app.Config.Env).toEqual(expect.arrayContaining(["FROM_BASE=1", "MODE=override"]));
    expect(app.HostConfig.Binds).toContain(`${path.join(dir, "lib", "conf")}:/conf:ro`);
    // volumes_from: data's first container, read-only; the same volume is mounted.
    expect(app.HostConfig.VolumesFrom).toEqual([`${project}_data_1:ro`]);
    const data = await inspect("data");
    const shared = data.Mounts.find((m) => m.Destination === "/shared")!;
    expect(app.Mounts.find((m) => m.Destination === "/shared")).toMatchObject({ Name: shared.Name, RW: false });
    // include: the included service, interpolated with its own project's .env.
    expect((await inspect("cache")).Config.Image).toBe("berth/web:1");
    // Created after what it takes volumes from and depends on.
    expect(new Date(app.Created).getTime()).toBeGreaterThanOrEqual(new Date(data.Created).getTime());
  });

  it("a second plan changes nothing; a changed override file plans a replacement", async () => {
    const again = await run("plan");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/i);
    await writeFile(path.join(dir, "compose.override.yaml"), ["services:", "  app:", "    environment:", "      MODE: changed", ""].join("\n"));
    const plan = await run("plan");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("container.app[0]");
    expect(plan.stdout).toContain("MODE");
  });
});
