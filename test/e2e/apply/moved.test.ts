import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { berth, httpGet, privateRouter, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

/** `web` runs two replicas; `client` is where the test asks for the service by its name. */
const template = (service: string, moved = "") => `${moved}${service}:
  image: berth/web:1
  ports: ['8080']
  labels:
    aliyun.scale: '2'
client:
  image: berth/web:1
`;

/** A renamed service keeps its containers: renamed by the engine, found again by their IDs. */
describe("moved: renaming a service on the real Docker engine", () => {
  let docker: Docker;
  let file: string;
  const project = uniqueProject("mv");
  const run = (...args: string[]) => berth([...args, "-f", file, "-p", project]);
  const ids = async () => Object.fromEntries((await projectContainers(docker, project)).map((c) => [c.Names[0].slice(1), c.Id]));
  /** What `client` gets asking `host` over the project network. */
  const ask = async (host: string): Promise<string> => {
    const exec = await docker.getContainer(`${project}_client_1`).exec({
      Cmd: ["sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} 8080`],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (d: Buffer) => chunks.push(d));
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    return Buffer.concat(chunks).toString("utf8");
  };

  beforeAll(async () => {
    docker = await requireDocker();
    file = path.join(await mkdtemp(path.join(tmpdir(), "berth-mv-")), "docker-compose.yml");
    await writeFile(file, template("web"));
  });
  afterAll(async () => {
    if (docker) await removeProject(docker, project);
  });

  it("x-berth-moved renames the containers, keeping their IDs, and the new name resolves", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    const before = await ids();
    expect(await ask("web")).toContain("version=1");

    await writeFile(file, template("api", "x-berth-moved:\n  web: api\n"));
    const plan = await run("plan");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("# container.api[0] will be updated in-place (moved from container.web[0])");
    expect(plan.stdout).toContain("# container.api[1] will be updated in-place (moved from container.web[1])");
    expect(plan.stdout).toContain("Plan: 0 to add, 2 to change, 0 to destroy.");

    const moved = await run("apply", "--auto-approve");
    expect(moved.stderr).toBe("");
    expect(moved.code).toBe(0);
    const after = await ids();
    expect(after).toEqual({
      [`${project}_api_1`]: before[`${project}_web_1`],
      [`${project}_api_2`]: before[`${project}_web_2`],
      [`${project}_client_1`]: before[`${project}_client_1`],
    });
    expect(await ask("api")).toContain("version=1");
    expect(await ask("api_2")).toContain("version=1");

    const again = await run("plan", "--detailed-exitcode");
    expect(again.stdout).toContain("No changes.");
    expect(again.code).toBe(0);
    const list = await run("state", "list");
    expect(list.stdout.split("\n")).toEqual(expect.arrayContaining(["container.api[0]", "container.api[1]"]));
    expect(list.stdout).not.toContain("container.web");
  });

  it("berth state mv, then the template's rename: the next apply renames, keeping the IDs", async () => {
    const before = await ids();
    const mv = await run("state", "mv", "container.api", "container.svc");
    expect(mv.stderr).toBe("");
    expect(mv.code).toBe(0);
    expect(mv.stdout).toContain("Moved container.api[0] to container.svc[0].");
    expect(await ids()).toEqual(before);

    await writeFile(file, template("svc"));
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("Resources: 0 added, 2 changed, 0 destroyed");
    expect(await ids()).toEqual({
      [`${project}_svc_1`]: before[`${project}_api_1`],
      [`${project}_svc_2`]: before[`${project}_api_2`],
      [`${project}_client_1`]: before[`${project}_client_1`],
    });
    expect(await ask("svc")).toContain("version=1");
    const again = await run("plan", "--detailed-exitcode");
    expect(again.stdout).toContain("No changes.");
    expect(again.code).toBe(0);
  });

  it("refuses a move onto a recorded address, naming it, and changes nothing", async () => {
    const mv = await run("state", "mv", "container.svc[0]", "container.client[0]");
    expect(mv.code).toBe(1);
    expect(mv.stderr).toContain("cannot move container.svc[0] to container.client[0]: the state already has container.client[0]");
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(0);
  });
});

/** A routed service renamed: the router follows the renamed containers, and nothing is recreated. */
describe("moved: renaming a routed service on the real engines", () => {
  let docker: Docker;
  let file: string;
  let router: Awaited<ReturnType<typeof privateRouter>>;
  const project = uniqueProject("mvr");
  const host = `${project}.localhost`;
  const routed = (service: string, moved = "") => `${moved}${service}:
  image: berth/web:1
  labels:
    aliyun.scale: '2'
    aliyun.routing.port_8080: 'http://${host}'
`;
  const run = (...args: string[]) => berth([...args, "-f", file, "-p", project], { env: router.env });
  const ids = async () => (await projectContainers(docker, project)).map((c) => c.Id).sort();
  /** Retried a little: the router reloads after apply returns. */
  const answer = async (): Promise<string> => {
    let last = "";
    for (let i = 0; i < 50; i++) {
      const res = await httpGet(`http://${router.listen}/`, { Host: host }).catch(() => ({ status: 0, body: "" }));
      last = res.body;
      if (res.status === 200) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    return last;
  };

  beforeAll(async () => {
    docker = await requireDocker();
    router = await privateRouter("mvr");
    file = path.join(await mkdtemp(path.join(tmpdir(), "berth-mvr-")), "docker-compose.yml");
    await writeFile(file, routed("web"));
  });
  afterAll(async () => {
    if (router) await run("destroy", "--auto-approve");
    if (docker) await removeProject(docker, project);
    if (router) await router.stop();
  });

  it("keeps the containers and serves through the router under the new name", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr.replace(/^Warning: .*\n/gm, "")).toBe("");
    expect(apply.code).toBe(0);
    expect(await answer()).toContain("version=1");
    const before = await ids();

    await writeFile(file, routed("api", "x-berth-moved: {web: api}\n"));
    const moved = await run("apply", "--auto-approve");
    expect(moved.stderr.replace(/^Warning: .*\n/gm, "")).toBe("");
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain("0 added");
    expect(moved.stdout).toContain("0 destroyed");
    expect(await ids()).toEqual(before);
    expect(await answer()).toContain("version=1");
    const again = await run("plan", "--detailed-exitcode");
    expect(again.stdout).toContain("No changes.");
    expect(again.code).toBe(0);
  });
});
