/**
 * Networks as the template declares them, on the real engine: each service reaches only the
 * services it shares a network with, by name and by alias; a fixed address is the address.
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

const template = (internal: boolean) => `services:
  proxy:
    image: berth/web:1
    networks: [front]
  api:
    image: berth/web:1
    networks:
      front:
        aliases: [backend]
      back:
        ipv4_address: 172.29.7.10
  db:
    image: berth/web:1
    networks: [back]
networks:
  front: {}
  back:
    internal: ${internal}
    ipam:
      config:
        - subnet: 172.29.0.0/16
`;

/**
 * What one container gets over HTTP from another by name ("failed" when the name does not
 * resolve). busybox nc, not wget: the static busybox's wget crashes (SIGSEGV) in these images.
 */
async function fetchFrom(container: string, host: string): Promise<string> {
  try {
    const { stdout } = await exec("docker", ["exec", container, "sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} 8080`]);
    return stdout || "failed: no answer";
  } catch (e) {
    return `failed: ${(e as { stderr?: string }).stderr ?? String(e)}`;
  }
}

describe("networks on the real engine", () => {
  let docker: Docker;
  let dir: string;
  const project = uniqueProject("net");
  const run = (...args: string[]) => berth([...args, "-f", path.join(dir, "docker-compose.yml"), "-p", project]);

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), "berth-net-"));
    await writeFile(path.join(dir, "docker-compose.yml"), template(true));
  });
  afterAll(async () => {
    await removeProject(docker, project);
    for (const n of ["front", "back"]) await docker.getNetwork(`${project}_${n}`).remove().catch(() => {});
  });

  it("applies two networks and no default one", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    const back = await docker.getNetwork(`${project}_back`).inspect();
    expect(back.Internal).toBe(true);
    expect(back.IPAM?.Config).toEqual([expect.objectContaining({ Subnet: "172.29.0.0/16" })]);
    expect(back.Labels).toMatchObject({ "berth.project": project, "berth.network": "back" });
    const nets = await docker.listNetworks({ filters: { name: [`${project}_default`] } });
    expect(nets.filter((n) => n.Name === `${project}_default`)).toEqual([]);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("each service reaches by name and alias only the services it shares a network with", async () => {
    expect(await fetchFrom(`${project}_proxy_1`, "backend")).toContain(`hostname=`);
    expect(await fetchFrom(`${project}_db_1`, "api")).toContain("hostname=");
    expect(await fetchFrom(`${project}_proxy_1`, "db")).toMatch(/^failed/);
    const api = await docker.getContainer(`${project}_api_1`).inspect();
    expect(api.NetworkSettings.Networks[`${project}_back`].IPAddress).toBe("172.29.7.10");
    expect(api.NetworkSettings.Networks[`${project}_front`].Aliases).toEqual(expect.arrayContaining(["backend", "api"]));
  });

  it("a network made again takes the containers on it with it, and the plan says so", async () => {
    await writeFile(path.join(dir, "docker-compose.yml"), template(false));
    const plan = await run("plan");
    expect(plan.stdout).toContain("network.back must be replaced");
    expect(plan.stdout).toContain("container.db[0] must be replaced");
    expect(plan.stdout).toContain("container.api[0] must be replaced");
    expect(plan.stdout).not.toContain("container.proxy[0] must be replaced");
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect((await docker.getNetwork(`${project}_back`).inspect()).Internal).toBe(false);
    expect(await fetchFrom(`${project}_db_1`, "api")).toContain("hostname=");
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("an external network that does not exist is a plan-time error naming it; nothing is made", async () => {
    const other = await mkdtemp(path.join(tmpdir(), "berth-net-ext-"));
    await writeFile(path.join(other, "docker-compose.yml"), "services:\n  app:\n    image: berth/web:1\n    networks: [shared]\nnetworks:\n  shared:\n    external: true\n    name: berth-no-such-network\n");
    const ext = uniqueProject("netx");
    const plan = await berth(["apply", "--auto-approve", "-f", path.join(other, "docker-compose.yml"), "-p", ext]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain("network.shared: network berth-no-such-network is declared external but does not exist");
    expect((await docker.listContainers({ all: true, filters: { label: [`berth.project=${ext}`] } })).length).toBe(0);
  });
});
