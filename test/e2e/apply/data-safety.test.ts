/**
 * Issue 12 against the real engine: destroy keeps a named volume and its data unless asked,
 * two projects declaring the same volume key get two volumes, and a container docker compose
 * made under a name Berth needs is shown in the plan and never silently removed.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { berth, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const exec = promisify(execFile);

const TEMPLATE = `services:
  db:
    image: registry.aliyuncs.com/acs-sample/mysql:5.7
    environment:
      MYSQL_ROOT_PASSWORD: password
    volumes:
      - db-data:/var/lib/mysql
volumes:
  db-data:
`;

async function templateDir(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "berth-data-"));
  await writeFile(path.join(dir, "docker-compose.yml"), text);
  return dir;
}

async function sh(container: string, script: string): Promise<string> {
  const { stdout } = await exec("docker", ["exec", container, "sh", "-c", script]);
  return stdout;
}

describe("destroy keeps volumes and their data", () => {
  let docker: Docker;
  const projects = [uniqueProject("vol"), uniqueProject("vol")];
  let dir: string;
  const run = (project: string, ...args: string[]) => berth([...args, "-f", path.join(dir, "docker-compose.yml"), "-p", project]);

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await templateDir(TEMPLATE);
  });
  afterAll(async () => {
    for (const p of projects) {
      await removeProject(docker, p);
      await docker.getVolume(`${p}_db-data`).remove().catch(() => {});
    }
  });

  it("names each project's volume <project>_<key>, so two projects never share data", async () => {
    for (const p of projects) {
      const apply = await run(p, "apply", "--auto-approve");
      expect(apply.stderr).toBe("");
      expect(apply.stdout).toContain("volume.db-data");
    }
    await sh(`${projects[0]}_db_1`, "echo precious > /var/lib/mysql/table.ibd");
    const other = await sh(`${projects[1]}_db_1`, "ls /var/lib/mysql");
    expect(other).not.toContain("table.ibd");
    const volume = await docker.getVolume(`${projects[0]}_db-data`).inspect();
    expect(volume.Labels).toMatchObject({ "berth.project": projects[0] });
  });

  it("destroy says it keeps the volume, keeps it with its data, and the next apply mounts it again", async () => {
    const [p] = projects;
    const destroy = await run(p, "destroy", "--auto-approve");
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toContain("Kept: volume.db-data is not deleted: it holds data; `berth destroy --volumes` deletes it");
    expect(destroy.stdout).not.toMatch(/volume\.db-data will be destroyed/);
    expect((await docker.getVolume(`${p}_db-data`).inspect()).Name).toBe(`${p}_db-data`);

    const apply = await run(p, "apply", "--auto-approve");
    expect(apply.code).toBe(0);
    expect(await sh(`${p}_db_1`, "cat /var/lib/mysql/table.ibd")).toBe("precious\n");
  });

  it("destroy --volumes shows the volume's deletion in its plan and deletes it", async () => {
    const [p] = projects;
    const destroy = await run(p, "destroy", "--auto-approve", "--volumes");
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toContain("volume.db-data will be destroyed");
    await expect(docker.getVolume(`${p}_db-data`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // The other project's volume is untouched.
    expect((await docker.getVolume(`${projects[1]}_db-data`).inspect()).Name).toBe(`${projects[1]}_db-data`);
  });
});

describe("a container docker compose made under a name Berth needs", () => {
  let docker: Docker;
  const project = uniqueProject("shop");
  let dir: string;
  let composeDbId: string;
  const run = (...args: string[]) => berth([...args, "-f", path.join(dir, "docker-compose.yml"), "-p", project]);

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await templateDir(TEMPLATE);
    // What `docker-compose -p <project> up -d` makes for this template: its name and labels.
    const volume = `${project}_db-data`;
    await docker.createVolume({ Name: volume, Labels: { "com.docker.compose.project": project, "com.docker.compose.volume": "db-data" } });
    const created = await docker.createContainer({
      name: `${project}_db_1`,
      Image: "registry.aliyuncs.com/acs-sample/mysql:5.7",
      Labels: { "com.docker.compose.project": project, "com.docker.compose.service": "db", "com.docker.compose.version": "1.29.2" },
      HostConfig: { Binds: [`${volume}:/var/lib/mysql`] },
    });
    await created.start();
    composeDbId = created.id;
    await sh(`${project}_db_1`, "echo compose-data > /var/lib/mysql/orders");
  });
  afterAll(async () => {
    await docker.getContainer(composeDbId).remove({ force: true }).catch(() => {});
    await removeProject(docker, project);
    await docker.getVolume(`${project}_db-data`).remove().catch(() => {});
  });

  it("plan shows the conflict with what made it, and exits 1", async () => {
    const plan = await run("plan");
    expect(plan.stdout).toContain(
      `Conflict: container.db[0]: container ${project}_db_1 already exists and was not made by Berth for this project (made by docker compose 1.29.2, project ${project}, service db)`,
    );
    expect(plan.stdout).toContain("--replace-foreign container.db[0]");
    // The volume compose made is adopted, data and all, not recreated.
    expect(plan.stdout).toMatch(/volume\.db-data will be updated in-place|adopted/);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain("nothing was changed");
  });

  it("apply refuses and leaves compose's container exactly as it was", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`container ${project}_db_1 already exists and was not made by Berth`);
    const info = await docker.getContainer(`${project}_db_1`).inspect();
    expect(info.Id).toBe(composeDbId);
    expect(info.State.Running).toBe(true);
  });

  it("--replace-foreign names the removal in the plan; the volume keeps compose's data", async () => {
    const plan = await run("plan", "--replace-foreign", "container.db[0]");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("container.db[0] must be replaced");
    expect(plan.stdout).toContain("not made by Berth: removed as asked with --replace-foreign");
    const apply = await run("apply", "--auto-approve", "--replace-foreign", "container.db[0]");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    const info = await docker.getContainer(`${project}_db_1`).inspect();
    expect(info.Id).not.toBe(composeDbId);
    expect(info.Config.Labels["berth.project"]).toBe(project);
    expect(await sh(`${project}_db_1`, "cat /var/lib/mysql/orders")).toBe("compose-data\n");
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });
});
