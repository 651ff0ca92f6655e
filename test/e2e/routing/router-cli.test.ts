import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { stopRouter } from "../../../providers/routing/stop-router.js";
import { berth, copyExample, editFile, httpGet, projectContainers, removeProject, requireDocker, uniqueProject, type RunResult } from "../helpers.js";
import { freePort, requireNginx } from "./harness.js";

/**
 * The router through the CLI, on the real Docker engine and Debian's nginx: the article's
 * examples spread over their replicas, scaling shows the nginx configuration as a diff, a host
 * with no replica answers 503, names nginx could misread never pass `berth validate`, and a
 * configuration nginx refuses leaves the previous one serving.
 *
 * The router is a private one (its own BERTH_ROUTER_DIR and port): the examples route fixed
 * hosts (tomcat-sample.localhost, tomcat.ir) that examples.test.ts also routes, and a host
 * belongs to one project per router (E_ROUTE_CLAIMED), so a run of this file beside another
 * engineer's run on the shared router must not compete for them.
 */

interface Applied {
  file: string;
  project: string;
}

let docker: Docker;
let routerDir: string;
let listen: string;
const applied: Applied[] = [];

function run(target: Applied, ...args: string[]): Promise<RunResult> {
  return berth([...args, "-f", target.file, "-p", target.project], {
    env: { BERTH_ROUTER_DIR: routerDir, BERTH_ROUTER_LISTEN: listen },
  });
}

function output(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

async function applyOk(target: Applied): Promise<RunResult> {
  if (!applied.includes(target)) applied.push(target);
  const result = await run(target, "apply", "--auto-approve");
  if (result.code !== 0) throw new Error(`berth apply failed:\n${output(result)}`);
  return result;
}

function viaRouter(host: string, urlPath = "/"): Promise<{ status: number; body: string }> {
  return httpGet(`http://${listen}${urlPath}`, { Host: host });
}

/** The short container IDs (a container's default hostname) of a project's running replicas, by service. */
async function replicaHostnames(project: string, services: string[]): Promise<string[]> {
  const list = await projectContainers(docker, project);
  return list
    .filter((c) => c.State === "running" && services.includes(c.Labels["berth.service"]))
    .map((c) => c.Id.slice(0, 12))
    .sort();
}

/**
 * Waits (deadline, not a fixed sleep) until every running replica of `services` answers on its
 * published port: a replica whose server is still starting would be marked failed by nginx for
 * 10 s on the first refused connection and skipped by the round robin meanwhile.
 */
async function waitForReplicas(project: string, services: string[], port = 8080): Promise<void> {
  const deadline = Date.now() + 30_000;
  const list = (await projectContainers(docker, project)).filter((c) => c.State === "running" && services.includes(c.Labels["berth.service"]));
  for (const c of list) {
    const published = c.Ports.find((p) => p.PrivatePort === port && p.Type === "tcp" && p.PublicPort);
    if (!published) throw new Error(`${c.Names[0]} publishes no ${port}/tcp`);
    for (;;) {
      const answer = await httpGet(`http://127.0.0.1:${published.PublicPort}/ready`).catch(() => null);
      if (answer?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`${c.Names[0]} did not answer on 127.0.0.1:${published.PublicPort} within 30 s`);
      await sleep(100);
    }
  }
}

/** `count` requests through the router, one at a time; every one must answer 200. Returns the hostnames that answered. */
async function hostnamesSeen(host: string, count: number): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const answer = await viaRouter(host, `/r${i}`);
    expect(answer.status, answer.body).toBe(200);
    const hostname = /hostname=(\S+) version=\d+ path=\/r\d+/.exec(answer.body)?.[1];
    expect(hostname, answer.body).toBeDefined();
    seen.add(hostname!);
  }
  return [...seen].sort();
}

/** What the router's status location answers: the hash of the configuration generation that serves. */
async function servingHash(): Promise<string> {
  const answer = await httpGet(`http://${listen}/__berth/config`, { Host: "berth-router.status" });
  expect(answer.status).toBe(200);
  return answer.body.trim();
}

async function template(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `berth-router-cli-${name}-`));
  const file = path.join(dir, "docker-compose.yml");
  await writeFile(file, text);
  return file;
}

function webService(host: string, scale: number): string {
  return `web:\n  image: berth/web:1\n  expose: ['8080']\n  labels:\n    aliyun.scale: '${scale}'\n    aliyun.routing.port_8080: 'http://${host}'\n`;
}

describe("the router through the CLI (real dockerd and nginx)", () => {
  beforeAll(async () => {
    docker = await requireDocker();
    requireNginx();
    routerDir = await mkdtemp(path.join(tmpdir(), "berth-router-cli-"));
    listen = `127.0.0.1:${await freePort()}`;
  });

  afterAll(async () => {
    for (const target of applied) {
      await run(target, "destroy", "--auto-approve").catch(() => {});
      if (docker) await removeProject(docker, target.project);
    }
    if (routerDir) {
      await stopRouter(routerDir);
      await rm(routerDir, { recursive: true, force: true });
    }
    for (const target of applied) await rm(path.dirname(target.file), { recursive: true, force: true });
  });

  it("spreads tomcat-sample over 3 replicas, shows scaling to 5 as an nginx diff, then spreads over 5", async () => {
    const example: Applied = { file: path.join(await copyExample("01-tomcat-mysql"), "docker-compose.yml"), project: uniqueProject("rcex") };
    const host = "tomcat-sample.localhost";
    await applyOk(example);
    await waitForReplicas(example.project, ["tomcat-default"]);
    const three = await replicaHostnames(example.project, ["tomcat-default"]);
    expect(three).toHaveLength(3);
    expect(await hostnamesSeen(host, 30)).toEqual(three);

    await editFile(example.file, (t) => t.replace("aliyun.scale: '3'", "aliyun.scale: '5'"));
    const plan = await run(example, "plan", "--detailed-exitcode");
    expect(plan.code, output(plan)).toBe(2);
    const text = plan.stdout;
    expect(text).toContain(`~ resource "route" "${host}" {`);
    expect(text).toContain("~ rendered_config = <<-EOT");
    expect(text).toMatch(/^ {15}server container\.tomcat-default\[2\]:8080;$/m);
    expect(text).toMatch(/^ {10}\+ {4}server container\.tomcat-default\[3\]:8080;$/m);
    expect(text).toMatch(/^ {10}\+ {4}server container\.tomcat-default\[4\]:8080;$/m);
    expect(text).toContain(`~ resource "upstream" "${host}" {`);
    expect(text).toMatch(/~ servers +\= \[\n(?: +"container\.tomcat-default\[\d\]:8080",\n){3} +\+ "container\.tomcat-default\[3\]:8080",\n +\+ "container\.tomcat-default\[4\]:8080",\n +\]/);
    expect(text).toContain("Plan: 2 to add, 2 to change, 0 to destroy.");

    const apply = await applyOk(example);
    expect(apply.stdout).toContain("2 added, 2 changed, 0 destroyed");
    await waitForReplicas(example.project, ["tomcat-default"]);
    const five = await replicaHostnames(example.project, ["tomcat-default"]);
    expect(five).toHaveLength(5);
    expect(five).toEqual(expect.arrayContaining(three));
    expect(await hostnamesSeen(host, 60)).toEqual(five);
    const again = await run(example, "plan", "--detailed-exitcode");
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toContain("No changes.");

    // berth status names the router's real address and the project it serves (the demo curls it).
    const status = await berth(["status", "--json"], { env: { BERTH_ROUTER_DIR: routerDir } });
    expect(status.code, output(status)).toBe(0);
    const router = JSON.parse(status.stdout).router;
    expect(router).toMatchObject({ running: true, listen, dir: routerDir });
    expect(router.projects).toContain(example.project);
    const statusText = await berth(["status"], { env: { BERTH_ROUTER_DIR: routerDir } });
    expect(statusText.stdout).toContain(`router: running (pid ${router.pid}) on ${listen}`);
  });

  it("routes tomcat.ir to the 4 replicas of tomcat1 and tomcat2 (route to node)", async () => {
    const example: Applied = { file: path.join(await copyExample("03-route-to-node"), "docker-compose.yml"), project: uniqueProject("rcnode") };
    await applyOk(example);
    const services = ["tomcat1", "tomcat2"];
    await waitForReplicas(example.project, services);
    const four = await replicaHostnames(example.project, services);
    expect(four).toHaveLength(4);
    expect(await hostnamesSeen("tomcat.ir", 60)).toEqual(four);
  });

  it("answers 503 naming the virtual host when a routed service is scaled to 0", async () => {
    const project = uniqueProject("rczero");
    const host = `${project}.localhost`;
    const target: Applied = { file: await template("zero", webService(host, 2)), project };
    await applyOk(target);
    await waitForReplicas(project, ["web"]);
    expect((await viaRouter(host)).status).toBe(200);

    await editFile(target.file, (t) => t.replace("aliyun.scale: '2'", "aliyun.scale: '0'"));
    const plan = await run(target, "plan");
    expect(plan.stdout).toContain(`return 503 "no backend for ${host}\\n";`);
    const apply = await applyOk(target);
    expect(apply.stdout).toContain("0 added, 2 changed, 2 destroyed");
    expect(await replicaHostnames(project, ["web"])).toEqual([]);

    const answer = await viaRouter(host, "/anything");
    expect(answer.status).toBe(503);
    expect(answer.body).toBe(`no backend for ${host}\n`);
    const again = await run(target, "plan", "--detailed-exitcode");
    expect(again.code, output(again)).toBe(0);
  });

  it("rejects a virtual host nginx could misread ('}', ';' then '}') in berth validate, with file:line:col", async () => {
    const validate = async (value: string) => {
      const file = await template("names", `web:\n  image: berth/web:1\n  expose: ['8080']\n  labels:\n    aliyun.routing.port_8080: '${value}'\n`);
      try {
        return { file, result: await berth(["validate", "-f", file]) };
      } finally {
        await rm(path.dirname(file), { recursive: true, force: true });
      }
    };
    // The value starts at column 32 of line 5: `    aliyun.routing.port_8080: '` is 31 characters.
    const brace = await validate("http://a}b");
    expect(brace.result.code).toBe(1);
    expect(brace.result.stderr).toContain(`${brace.file}:5:32: aliyun.routing.port_8080: virtual host 'a}b' is not a DNS name`);

    // ';' separates virtual hosts by design: 'http://evil' is a fine host, '}' (at column 44) is not.
    const split = await validate("http://evil;}");
    expect(split.result.code).toBe(1);
    expect(split.result.stderr).toContain(`${split.file}:5:44: aliyun.routing.port_8080: virtual host '}' is not a DNS name`);
    expect(split.result.stderr).not.toContain("'evil'");

    const context = await validate("http://shop/a}b");
    expect(context.result.code).toBe(1);
    expect(context.result.stderr).toContain(`${context.file}:5:32: aliyun.routing.port_8080: context path '/a}b' must be`);

    const two = await validate("http://evil;x");
    expect(two.result.code, output(two.result)).toBe(0);
  });

  it("fails an apply nginx cannot load (a tcp route on a taken port) and keeps serving the previous configuration", async () => {
    const project = uniqueProject("rcbad");
    const host = `${project}.localhost`;
    const target: Applied = { file: await template("bad", webService(host, 2)), project };
    await applyOk(target);
    await waitForReplicas(project, ["web"]);
    expect((await viaRouter(host)).status).toBe(200);

    // Another program holds the port the tcp route's router listener wants: `nginx -t` does not
    // bind, so only the reload finds out ([emerg] bind() ... Address already in use).
    const blocker: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      blocker.once("error", reject);
      blocker.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (blocker.address() as { port: number }).port;
    const dbHost = `${project}-db.localhost`;
    try {
      await editFile(
        target.file,
        (t) => `${t}db:\n  image: berth/web:1\n  environment:\n    - PORT=${port}\n  expose: ['${port}']\n  labels:\n    aliyun.routing.port_${port}: 'tcp://${dbHost}'\n`,
      );
      const failed = await run(target, "apply", "--auto-approve");
      const text = failed.stdout + failed.stderr;
      expect(failed.code, output(failed)).toBe(1);
      expect(text).toContain(`Error: route.${dbHost}: nginx could not load the new router configuration:`);
      expect(text).toContain(`[emerg] bind() to 127.0.0.1:${port} failed (98: Address already in use)`);
      expect(text).toMatch(/Apply stopped: .*1 failed/);

      // The last known good generation is live and serves (the refused one is gone), and the
      // http route still answers.
      const live = await readFile(path.join(routerDir, "current", "config-hash"), "utf8");
      expect(await servingHash()).toBe(live.trim());
      expect(existsSync(path.join(routerDir, "current", "streams", `${project}.conf`))).toBe(false);
      for (let i = 0; i < 6; i++) {
        const answer = await viaRouter(host, `/after-failure-${i}`);
        expect(answer.status, answer.body).toBe(200);
        expect(answer.body).toMatch(/hostname=\w+ version=1/);
      }
      const plan = await run(target, "plan");
      expect(plan.stdout).toContain(`resource "route" "${dbHost}"`);
      expect(plan.stdout).toMatch(/Plan: 1 to add/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }

    // Once the port is free the same template applies, and the tcp route carries bytes.
    const retry = await applyOk(target);
    expect(retry.stdout).toContain("1 added");
    await waitForReplicas(project, ["db"], port);
    const tcp = await httpGet(`http://127.0.0.1:${port}/through-tcp`);
    expect(tcp.status).toBe(200);
    expect(tcp.body).toMatch(/hostname=\w+ version=1 path=\/through-tcp/);
    expect((await viaRouter(host)).status).toBe(200);
  });
});
