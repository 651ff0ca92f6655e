import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { berth, editFile, execIn, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const MIB = 1024 * 1024;

const template = (project: string) => `services:
  web:
    image: berth/web:1
    container_name: ${project}-web
    init: true
    cap_add: [NET_ADMIN]
    tmpfs: ['/scratch:size=16m']
    sysctls:
      net.core.somaxconn: 1024
    ulimits:
      nofile: {soft: 1024, hard: 2048}
    mem_limit: 64m
    pids_limit: 100
    stop_grace_period: 3s
    volumes: ['./site:/site:ro']
    env_file: conf/web.env
`;

/** The settings a template asks for are what the engine runs; a new memory limit keeps the container. */
describe("container settings on the real Docker engine", () => {
  let docker: Docker;
  let dir: string;
  let file: string;
  const project = uniqueProject("cmp-settings");
  // Run from another folder: relative paths must still be the template's folder's.
  const run = (...args: string[]) => berth([...args, "-f", file, "-p", project], { cwd: tmpdir() });
  const inspect = () => docker.getContainer(`${project}-web`).inspect();

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), "berth-cmp-settings-"));
    file = path.join(dir, "compose.yaml");
    await mkdir(path.join(dir, "site"));
    await mkdir(path.join(dir, "conf"));
    await writeFile(path.join(dir, "site", "index.html"), "hello\n");
    await writeFile(path.join(dir, "conf", "web.env"), "FROM_ENV_FILE=yes\n");
    await writeFile(file, template(project));
  });
  afterAll(async () => {
    if (docker) {
      await docker.getContainer(`${project}-web`).remove({ force: true }).catch(() => {});
      await removeProject(docker, project);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("applies, and the container runs with every setting", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    const info = await inspect();
    expect(info.Name).toBe(`/${project}-web`);
    expect(info.State.Running).toBe(true);
    const host = info.HostConfig;
    expect(host.Init).toBe(true);
    expect(host.CapAdd).toEqual(["NET_ADMIN"]);
    expect(host.Tmpfs).toEqual({ "/scratch": "size=16m" });
    expect(host.Sysctls).toEqual({ "net.core.somaxconn": "1024" });
    expect(host.Ulimits).toEqual([{ Name: "nofile", Soft: 1024, Hard: 2048 }]);
    expect(host.Memory).toBe(64 * MIB);
    expect(host.PidsLimit).toBe(100);
    expect((info.Config as { StopTimeout?: number }).StopTimeout).toBe(3);
    expect(info.Config.Env).toContain("FROM_ENV_FILE=yes");
    expect(host.Binds).toEqual([`${path.join(dir, "site")}:/site:ro`]);
    // Inside, not only on paper: the kernel and the mount see the settings too.
    expect(await execIn(docker, `${project}-web`, "cat /proc/sys/net/core/somaxconn; ulimit -n; cat /site/index.html")).toBe("1024\n1024\nhello\n");

    const again = await run("plan", "--detailed-exitcode");
    expect(again.stdout).toContain("No changes.");
    expect(again.code).toBe(0);
  });

  it("a new mem_limit is applied in place: same container, new limit", async () => {
    const before = await inspect();
    await editFile(file, (text) => text.replace("mem_limit: 64m", "mem_limit: 96m"));
    const plan = await run("plan");
    expect(plan.stdout).toContain("update in place (1): container.web[0]");
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("0 added, 1 changed, 0 destroyed");
    const after = await inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.HostConfig.Memory).toBe(96 * MIB);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("a setting that needs a new container replaces it", async () => {
    const before = await inspect();
    await editFile(file, (text) => text.replace("cap_add: [NET_ADMIN]", "cap_add: [NET_ADMIN, SYS_TIME]"));
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    const after = await inspect();
    expect(after.Id).not.toBe(before.Id);
    expect(after.HostConfig.CapAdd).toEqual(["NET_ADMIN", "SYS_TIME"]);
  });

  it("destroy removes the container under its container_name", async () => {
    const destroy = await run("destroy", "--auto-approve");
    expect(destroy.code).toBe(0);
    await expect(inspect()).rejects.toThrow();
  });
});

/** Through the real CLI: refusals fail validate with every place at once; profiles choose what is planned. */
describe("refused keys and profiles, as the CLI reports them", () => {
  let dir: string;
  const write = (text: string) => writeFile(path.join(dir, "compose.yaml"), text);
  const run = (...args: string[]) => berth([...args, "-f", path.join(dir, "compose.yaml"), "-p", uniqueProject("cmp-prof")], { cwd: dir });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "berth-cmp-profiles-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("validate exits 1 naming every refused key at its file:line:col", async () => {
    await write("services:\n  web:\n    image: berth/web:1\n    external_links: [db]\n    gpus: all\n  db:\n    extends: base\n");
    const validate = await run("validate");
    expect(validate.code).toBe(1);
    expect(validate.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/compose\.yaml:4:5: service 'web': 'external_links' is not supported by Berth/),
      expect.stringMatching(/compose\.yaml:5:5: service 'web': 'gpus' is not supported by Berth/),
      expect.stringMatching(/compose\.yaml:7:14: service 'db' extends 'base', which is not a service/),
    ]);
  });

  it("plans only active services; --profile and COMPOSE_PROFILES add theirs", async () => {
    await write("services:\n  web:\n    image: berth/web:1\n  debug:\n    image: berth/web:1\n    profiles: [debug]\n");
    const plain = await run("plan", "--no-refresh");
    expect(plain.stdout).toContain("container.web[0]");
    expect(plain.stdout).not.toContain("container.debug[0]");
    expect((await run("plan", "--no-refresh", "--profile", "debug")).stdout).toContain("container.debug[0]");
    const fromEnv = await berth(["plan", "--no-refresh", "-f", path.join(dir, "compose.yaml"), "-p", uniqueProject("cmp-prof")], { cwd: dir, env: { COMPOSE_PROFILES: "debug" } });
    expect(fromEnv.stdout).toContain("container.debug[0]");
    expect((await run("plan", "--no-refresh", "--target", "container.debug")).stdout).toContain("container.debug[0]");
  });
});
