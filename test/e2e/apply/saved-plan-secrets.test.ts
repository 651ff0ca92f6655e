import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { berth, privateRouter, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

/** The article's first template sets MYSQL_ROOT_PASSWORD to this. */
const PASSWORD = "password";

/**
 * Issue 12: a db container removed by hand puts its whole recorded environment in the plan's
 * drift; the saved plan, and every view of it, must still hold no secret.
 */
describe("a saved plan with drift on the real engine", () => {
  const project = uniqueProject("maskdrift");
  const file = "examples/01-tomcat-mysql/docker-compose.yml";
  const state = `/tmp/berth-e2e-${project}.json`;
  let router: Awaited<ReturnType<typeof privateRouter>>;
  const run = (...args: string[]) => berth([...args, "-f", file, "-p", project, "--state", state], { env: router.env });
  let docker: Docker;

  beforeAll(async () => {
    docker = await requireDocker();
    router = await privateRouter("maskdrift");
  });
  afterAll(async () => {
    await run("destroy", "--auto-approve");
    if (docker) await removeProject(docker, project);
    await router.stop();
  });

  it("holds no secret in the plan file, show, show --json or state show", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.code, apply.stderr).toBe(0);

    const db = (await projectContainers(docker, project)).find((c) => c.Names[0] === `/${project}_db_1`);
    expect(db).toBeDefined();
    await docker.getContainer(db!.Id).remove({ force: true });

    const dir = await mkdtemp(path.join(tmpdir(), "berth-maskdrift-"));
    const planFile = path.join(dir, "p.plan");
    const planned = await run("plan", "--out", planFile);
    expect(planned.code, planned.stderr).toBe(0);

    const saved = await readFile(planFile, "utf8");
    const plan = JSON.parse(saved).plan;
    expect(plan.drift.map((d: { address: string }) => d.address)).toEqual(["container.db[0]"]);
    expect(plan.drift[0].before.environment.MYSQL_ROOT_PASSWORD).toBe("(sensitive value)");
    expect(plan.drift[0].before.image).toBe("registry.aliyuncs.com/acs-sample/mysql:5.7");

    const outputs = {
      saved,
      planText: planned.stdout + planned.stderr,
      show: (await berth(["show", planFile])).stdout,
      showJson: (await berth(["show", planFile, "--json"])).stdout,
      stateShow: (await run("state", "show", "container.db[0]")).stdout,
      stateJson: (await run("show", "--json")).stdout,
      tomcatState: (await run("state", "show", "container.tomcat-default[0]")).stdout,
    };
    for (const [view, text] of Object.entries(outputs)) {
      expect(text.length, view).toBeGreaterThan(0);
      expect(text.split(PASSWORD).length - 1, `${view} shows the password`).toBe(0);
    }
    // What is not secret stays readable.
    expect(outputs.stateShow).toContain(`"name": "${project}_db_1"`);
    expect(outputs.show).toContain("container.db[0] was removed outside Berth");

    // The saved plan still applies: the real values come from the template.
    const applied = await berth(["apply", planFile, "-f", file, "-p", project, "--state", state], { env: router.env });
    expect(applied.code, applied.stderr).toBe(0);
    expect((await projectContainers(docker, project)).map((c) => c.Names[0])).toContain(`/${project}_db_1`);
  });
});
