import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { berth, copyExample, editFile, httpGet, privateRouter, removeProject, requireDocker, runProcess, uniqueProject } from "../helpers.js";

const COMPOSE = "/usr/bin/docker-compose";

/** Every container, network and volume docker compose labelled with the project. */
async function composeObjects(docker: Docker, project: string) {
  const filters = { label: [`com.docker.compose.project=${project}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return { containers, networks, volumes: volumes.Volumes ?? [] };
}

async function removeAll(docker: Docker, project: string): Promise<void> {
  const { containers, networks, volumes } = await composeObjects(docker, project);
  const berthOnes = await docker.listContainers({ all: true, filters: { label: [`berth.project=${project}`] } });
  for (const c of [...containers, ...berthOnes]) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  for (const n of networks) await docker.getNetwork(n.Id).remove().catch(() => {});
  for (const v of volumes) await docker.getVolume(v.Name).remove({ force: true }).catch(() => {});
  await removeProject(docker, project);
}

function idsByName(containers: Docker.ContainerInfo[]): Record<string, string> {
  return Object.fromEntries(containers.map((c) => [c.Names[0].replace(/^\//, ""), c.Id]).sort());
}

describe("berth import: a project docker-compose 1.29 started is taken over, nothing recreated", () => {
  let docker: Docker;
  let router: Awaited<ReturnType<typeof privateRouter>>;
  const project = uniqueProject("imp");
  let dir: string;
  const run = (...args: string[]) => berth([...args, "-p", project, "--state", path.join(dir, "state.json")], { cwd: dir, env: router.env });

  beforeAll(async () => {
    if (!existsSync(COMPOSE)) throw new Error(`the import test needs docker-compose 1.29 at ${COMPOSE} (npm run engines installs it)`);
    docker = await requireDocker();
    router = await privateRouter("import");
    dir = await copyExample("06-import");
  });
  afterAll(async () => {
    await router?.stop();
    if (docker) await removeAll(docker, project);
  });

  it("plans a conflict naming berth import, imports, applies only what compose lacked, then plans no changes with every ID kept", async () => {
    const up = await runProcess(COMPOSE, ["-p", project, "up", "-d"], { cwd: dir, env: process.env });
    expect(up.code, up.stderr).toBe(0);
    const started = await composeObjects(docker, project);
    expect(started.containers).toHaveLength(2);
    const ids = idsByName(started.containers);
    // Data in compose's volume, which the import must keep.
    const db = docker.getContainer(ids[`${project}_db_1`]);
    const exec = await db.exec({ Cmd: ["sh", "-c", "echo kept > /var/lib/mysql/marker"] });
    await exec.start({});
    await new Promise((r) => setTimeout(r, 500));

    const before = await run("plan");
    expect(before.code).toBe(1);
    expect(before.stderr).toContain("berth import");

    const imported = await run("import", "--auto-approve");
    expect(imported.stderr.replace(/^Warning: .*\n/gm, "")).toBe("");
    expect(imported.code).toBe(0);
    for (const address of ["container.db[0]", "container.tomcat[0]", "network.default", "volume.db-data"]) {
      expect(imported.stdout).toContain(`${address} will be imported`);
    }
    expect(imported.stdout).toContain("Import: 4 to import, 0 differing from the template, 0 not imported.");

    const apply = await run("apply", "--auto-approve");
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain("Resources: 2 added, 0 changed, 0 destroyed");

    const again = await run("plan", "--detailed-exitcode");
    expect(again.stdout).toContain("No changes.");
    expect(again.code).toBe(0);

    const after = await composeObjects(docker, project);
    expect(idsByName(after.containers)).toEqual(ids);
    expect(after.containers.every((c) => c.State === "running")).toBe(true);
    const cat = await runProcess("docker", ["exec", `${project}_db_1`, "cat", "/var/lib/mysql/marker"], { env: process.env });
    expect(cat.stdout.trim()).toBe("kept");

    // The imported replica answers through Berth's router.
    let answer = { status: 0, body: "" };
    for (let i = 0; i < 50 && answer.status !== 200; i++) {
      answer = await httpGet(`http://${router.listen}/`, { Host: "tomcat-sample.localhost" }).catch(() => answer);
      if (answer.status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(answer.body).toMatch(/version=1/);

    // A template change now replaces the imported container like any other.
    await editFile(path.join(dir, "docker-compose.yml"), (t) => t.replace("image: tomcat:latest", "image: berth/web:2"));
    const change = await run("plan", "--detailed-exitcode");
    expect(change.code).toBe(2);
    expect(change.stdout).toContain("container.tomcat[0] must be replaced");
    // The upstream follows the new replica's endpoints.
    expect(change.stdout, change.stdout).toContain("Plan: 1 to add, 1 to change, 1 to destroy.");
  });
});

describe("berth import: compose v2's names, and a container named on the command line", () => {
  let docker: Docker;
  const project = uniqueProject("impv");
  let dir: string;
  const run = (...args: string[]) => berth([...args, "-p", project, "--state", path.join(dir, "state.json")], { cwd: dir });

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await copyExample("hello");
    // No route: this case is about names, not the router.
    await editFile(path.join(dir, "docker-compose.yml"), () => "services:\n  web:\n    image: berth/web:1\n    ports:\n      - '127.0.0.1::8080'\n    environment:\n      MODE: prod\n");
  });
  afterAll(async () => {
    if (docker) await removeAll(docker, project);
    if (docker) await removeProject(docker, `${project}h`);
    await docker?.getContainer(`${project}-hand`).remove({ force: true }).catch(() => {});
  });

  it("renames <project>-web-1 to Berth's name, keeping the container", async () => {
    // What docker compose v2 makes: the network <project>_default, the container <project>-web-1, both labelled.
    const labels = { "com.docker.compose.project": project, "com.docker.compose.version": "2.24.0" };
    await docker.createNetwork({ Name: `${project}_default`, Labels: { ...labels, "com.docker.compose.network": "default" } });
    const made = await runProcess(
      "docker",
      ["run", "-d", "--name", `${project}-web-1`, "--network", `${project}_default`, "-p", "127.0.0.1::8080", "-e", "MODE=prod",
        "--label", `com.docker.compose.project=${project}`, "--label", "com.docker.compose.service=web", "--label", "com.docker.compose.container-number=1",
        "berth/web:1"],
      { env: process.env },
    );
    expect(made.code, made.stderr).toBe(0);
    const id = made.stdout.trim();

    const imported = await run("import", "--auto-approve");
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`container.web[0] will be imported: ${project}-web-1`);
    expect(imported.stdout).toContain(`renamed to ${project}_web_1`);

    const info = await docker.getContainer(id).inspect();
    expect(info.Name).toBe(`/${project}_web_1`);
    expect(info.State.Running).toBe(true);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.stdout).toContain("No changes.");
    expect(plan.code).toBe(0);
  });

  it("imports a hand-run container at the address named, and shows what differs from the template", async () => {
    // A second state: the hand-run container is compared with the same template.
    const state = path.join(dir, "hand.json");
    const made = await runProcess("docker", ["run", "-d", "--name", `${project}-hand`, "-e", "MODE=dev", "berth/web:1"], { env: process.env });
    expect(made.code, made.stderr).toBe(0);
    const hand = (...args: string[]) => berth([...args, "-p", `${project}h`, "--state", state], { cwd: dir });

    const missing = await hand("import", "container.nope[0]", `${project}-hand`, "--auto-approve");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("the template has no container.nope[0]");

    const imported = await hand("import", "container.web[0]", `${project}-hand`, "--auto-approve");
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("made outside Berth: no compose or Berth labels");
    expect(imported.stdout).toContain('environment.MODE: template "prod", running "dev" (replaced to match)');
    expect(imported.stdout).toMatch(/~ networks(\.\w+)?: /);
    expect(imported.stdout).toContain("the next plan replaces container.web[0]");
    const plan = await hand("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("container.web[0] must be replaced");
    await hand("destroy", "--auto-approve");
  });
});
