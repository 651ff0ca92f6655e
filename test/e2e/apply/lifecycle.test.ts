import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { LocalStateBackend } from "../../../state/local/local-backend.js";
import { berth, editFile, httpGet, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const TEMPLATE = `web:
  image: berth/web:1
  ports: ['8080']
  links: ['db:mysql']
  extra_hosts:
    - "tomcat1.if:162.242.195.82"
  environment:
    GREETING: hello
  labels:
    aliyun.scale: '3'
db:
  image: registry.aliyuncs.com/acs-sample/mysql:5.7
  environment:
    MYSQL_ROOT_PASSWORD: password
  restart: always
`;

/** The whole life of one project on the real engine: apply, no-op, scale, replace, drift, destroy. */
describe("apply lifecycle on the real Docker engine", () => {
  let docker: Docker;
  let dir: string;
  let file: string;
  const project = uniqueProject("life");
  const run = (...args: string[]) => berth([...args, "-f", file, "-p", project]);
  const ids = async () => Object.fromEntries((await projectContainers(docker, project)).map((c) => [c.Names[0].slice(1), c.Id]));

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), "berth-life-"));
    file = path.join(dir, "docker-compose.yml");
    await writeFile(file, TEMPLATE);
  });
  afterAll(async () => {
    if (docker) await removeProject(docker, project);
  });

  it("applies, then plans no changes", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("Apply complete! Resources: 5 added, 0 changed, 0 destroyed");
    const names = Object.keys(await ids()).sort();
    expect(names).toEqual([`${project}_db_1`, `${project}_web_1`, `${project}_web_2`, `${project}_web_3`]);

    const again = await run("plan", "--detailed-exitcode");
    expect(again.stdout).toContain("No changes.");
    expect(again.code).toBe(0);
  });

  it("labels containers, injects link variables and extra hosts, publishes on 127.0.0.1", async () => {
    const [web] = (await projectContainers(docker, project)).filter((c) => c.Labels["berth.service"] === "web");
    expect(web.Labels).toMatchObject({ "berth.project": project, "berth.service": "web", "berth.index": "0" });
    expect(web.Labels["berth.config-hash"]).toMatch(/^[0-9a-f]{16}$/);
    const info = await docker.getContainer(web.Id).inspect();
    expect(info.Config.Env).toEqual(expect.arrayContaining(["MYSQL_PORT_3306_TCP=tcp://mysql:3306", "MYSQL_ENV_MYSQL_ROOT_PASSWORD=password"]));
    expect(info.HostConfig.ExtraHosts).toContain("tomcat1.if:162.242.195.82");
    const port = web.Ports.find((p) => p.PrivatePort === 8080)!;
    expect(port.IP).toBe("127.0.0.1");
    const res = await httpGet(`http://127.0.0.1:${port.PublicPort}/hello`);
    expect(res.status).toBe(200);
    expect(res.body).toContain("path=/hello");

    const show = await run("show");
    expect(show.stdout).toMatch(new RegExp(`container.web\\[0\\].*8080/tcp → 127.0.0.1:${port.PublicPort}`));
    const plan = await run("plan", "--json");
    expect(plan.stdout).not.toContain("password");
  });

  it("scales 3 → 5 → 2 touching only the indices that change", async () => {
    const before = await ids();
    await editFile(file, (t) => t.replace("aliyun.scale: '3'", "aliyun.scale: '5'"));
    const up = await run("apply", "--auto-approve");
    expect(up.stdout).toContain("2 added, 0 changed, 0 destroyed");
    const afterUp = await ids();
    for (const name of Object.keys(before)) expect(afterUp[name]).toBe(before[name]);

    await editFile(file, (t) => t.replace("aliyun.scale: '5'", "aliyun.scale: '2'"));
    const plan = await run("plan");
    expect(plan.stdout).toMatch(/destroy \(3\): container\.web\[2\], container\.web\[3\], container\.web\[4\]/);
    const down = await run("apply", "--auto-approve");
    expect(down.stdout).toContain("0 added, 0 changed, 3 destroyed");
    const afterDown = await ids();
    expect(Object.keys(afterDown).sort()).toEqual([`${project}_db_1`, `${project}_web_1`, `${project}_web_2`]);
    expect(afterDown[`${project}_web_1`]).toBe(before[`${project}_web_1`]);
  });

  it("replaces on an environment change and updates the restart policy in place", async () => {
    const before = await ids();
    await editFile(file, (t) => t.replace("GREETING: hello", "GREETING: bonjour").replace("restart: always", "restart: unless-stopped"));
    const plan = await run("plan");
    expect(plan.stdout).toContain("# forces replacement");
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("2 added, 1 changed, 2 destroyed");
    const after = await ids();
    expect(after[`${project}_db_1`]).toBe(before[`${project}_db_1`]);
    expect(after[`${project}_web_1`]).not.toBe(before[`${project}_web_1`]);
    const db = await docker.getContainer(after[`${project}_db_1`]).inspect();
    expect(db.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
  });

  it("shows containers removed or stopped outside Berth as drift, and apply fixes them", async () => {
    const current = await ids();
    await docker.getContainer(current[`${project}_web_1`]).remove({ force: true });
    await docker.getContainer(current[`${project}_web_2`]).stop({ t: 1 });
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("changed outside of Berth");
    expect(plan.stdout).toMatch(/container\.web\[0\].*removed outside Berth/);
    expect(plan.stdout).toMatch(/container\.web\[1\].*stopped outside Berth/);
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    const after = await run("plan", "--detailed-exitcode");
    expect(after.code).toBe(0);
    const running = (await projectContainers(docker, project)).filter((c) => c.State === "running");
    expect(running).toHaveLength(3);
  });

  it("refuses a saved plan once the state moved", async () => {
    await editFile(file, (t) => t.replace("aliyun.scale: '2'", "aliyun.scale: '3'"));
    const planfile = path.join(dir, "scale.berth");
    expect((await run("plan", "--out", planfile)).code).toBe(0);
    expect((await run("apply", "--auto-approve", "--target", "container.db")).code).toBe(0);
    await editFile(file, (t) => t.replace("GREETING: bonjour", "GREETING: hallo"));
    await editFile(file, (t) => t.replace("GREETING: hallo", "GREETING: bonjour"));
    // The targeted apply changed nothing, so move the state for real: forget and re-adopt db.
    expect((await run("state", "rm", "container.db[0]")).code).toBe(0);
    const stale = await run("apply", planfile);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("stale");
    expect((await run("apply", "--auto-approve")).code).toBe(0);
  });

  it("applies a fresh saved plan exactly", async () => {
    await editFile(file, (t) => t.replace("aliyun.scale: '3'", "aliyun.scale: '2'"));
    const planfile = path.join(dir, "down.berth");
    expect((await run("plan", "--out", planfile)).code).toBe(0);
    const apply = await run("apply", planfile);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("0 added, 0 changed, 1 destroyed");
  });

  it("refuses a second apply while the state is locked, naming the holder", async () => {
    const backend = new LocalStateBackend(path.join(dir, ".berth", `${project}.state.json`));
    const lock = await backend.lock("test holder");
    try {
      const second = await run("apply", "--auto-approve");
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`locked by pid ${process.pid}`);
      expect(second.stderr).toContain("test holder");
    } finally {
      await lock.release();
    }
  });

  it("applies what it can when one image cannot be had, and converges after the fix", async () => {
    await editFile(file, (t) => `${t}broken:\n  image: berth/does-not-exist:1\nextra:\n  image: berth/web:1\n`);
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(1);
    expect(apply.stdout + apply.stderr).toMatch(/container\.broken\[0\].*berth\/does-not-exist:1/);
    const state = await run("state", "list");
    expect(state.stdout).toContain("container.extra[0]");
    expect(state.stdout).not.toContain("container.broken[0]");
    await editFile(file, (t) => t.replace("berth/does-not-exist:1", "berth/web:2"));
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("destroys everything of the project", async () => {
    const destroy = await run("destroy", "--auto-approve");
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toContain("Destroy complete!");
    expect(await projectContainers(docker, project)).toEqual([]);
    const nets = await docker.listNetworks({ filters: { name: [`${project}_default`] } });
    expect(nets.filter((n) => n.Name === `${project}_default`)).toEqual([]);
  });
});
