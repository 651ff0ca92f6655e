/**
 * The article's discovery pattern through the real CLI bundle (dist/berth.mjs), every engine
 * real: `berth apply --etcd` on a copy of examples/04-discovery-api writes the record;
 * `berth discovery serve` (a child process) answers the article's `/services/{serviceId}`,
 * over TLS only to the agent's client certificate (the article's curl line); its stream sees
 * a scale change; `berth agent` + `berth sync` keep a real nginx's upstream current, through an
 * etcd outage (stopped with scripts/engines.sh, always started again); the etcd state lock
 * refuses a second apply naming its holder; `berth destroy` removes the records.
 *
 * Needs `npm run engines` (dockerd, etcd on 127.0.0.1:2379) and `npm run images`; fails without them.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdStateBackend } from "../../../state/etcd/etcd-backend.js";
import { stopAgent } from "../../../providers/discovery/agent-supervisor.js";
import { isAlive } from "../../../src/core/process.js";
import { BERTH, ROOT, berth, copyExample, editFile, removeProject, requireDocker, uniqueProject, type RunResult } from "../helpers.js";
import { ETCD_ENDPOINT, deletePrefix, rawEtcd, requireEtcd, sseEvents } from "./fixtures.js";
import { freePort, userNginxConf } from "../local-nginx.js";

const NGINX = process.env.BERTH_NGINX || "/usr/sbin/nginx";
const project = uniqueProject("dcli");
const lockProject = `${project}lk`;
const lockPrefix = `berth-test-${project}`;
const tomcat = `${project}_tomcat`;

let docker: Docker;
let dir: string;
let file: string;
let certs: string;
let plainUrl: string;
let tlsUrl: string;
let nginxPort: number;
let nginx: ChildProcess | null = null;
let destroyed = false;
const children: Child[] = [];

/** The flags every command of this test gets: the template copy, the project, etcd, a domain no other project routes. */
function flags(): string[] {
  return ["-f", file, "-p", project, "--etcd", ETCD_ENDPOINT, "--domain", `${project}.localhost`];
}

/** A long-running `berth …` command: output collected, stopped by its pid (SIGTERM, then SIGKILL). */
class Child {
  readonly proc: ChildProcess;
  out = "";
  err = "";
  exited: number | null = null;
  private readonly closed: Promise<void>;

  constructor(
    readonly name: string,
    args: string[],
  ) {
    this.proc = spawn(process.execPath, [BERTH, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", CI: "true", BERTH_STOP_TIMEOUT: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc.stdout!.on("data", (d) => (this.out += d));
    this.proc.stderr!.on("data", (d) => (this.err += d));
    this.closed = new Promise((resolve) =>
      this.proc.on("close", (code, signal) => {
        this.exited = code ?? (signal ? 128 : -1);
        resolve();
      }),
    );
    children.push(this);
  }

  /** Waits for a line of its output; fails early when the process exits. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return until(
      () => {
        const m = pattern.exec(this.out + this.err);
        if (m) return m;
        if (this.exited !== null) throw new Error(`${this.name} exited with ${this.exited} before printing ${pattern}:\n${this.out}${this.err}`);
        return null;
      },
      timeoutMs,
      `${this.name} to print ${pattern}`,
      { rethrow: true },
    );
  }

  async stop(): Promise<void> {
    if (this.exited === null && this.proc.pid) {
      process.kill(this.proc.pid, "SIGTERM");
      const done = await Promise.race([this.closed.then(() => true), sleep(5_000).then(() => false)]);
      if (!done && this.exited === null) {
        process.kill(this.proc.pid, "SIGKILL");
        await this.closed;
      }
    }
  }
}

/** Polls `check` until it returns something truthy, or fails after `timeoutMs`. */
async function until<T>(
  check: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  opts: { intervalMs?: number; rethrow?: boolean } = {},
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (e) {
      if (opts.rethrow) throw e;
      last = e;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    }
    await sleep(opts.intervalMs ?? 50);
  }
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd ?? ROOT, timeout: opts.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function applyOk(...extra: string[]): Promise<RunResult> {
  const res = await berth(["apply", "--auto-approve", ...flags(), ...extra]);
  expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
  return res;
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function etcdHealthy(): Promise<boolean> {
  try {
    const res = await fetch(`${ETCD_ENDPOINT}/health`, { signal: AbortSignal.timeout(1_000) });
    return ((await res.json()) as { health?: string }).health === "true";
  } catch {
    return false;
  }
}

/** Other tests depend on etcd: whatever happened, it answers again when this returns. */
async function ensureEtcd(): Promise<void> {
  if (await etcdHealthy()) return;
  const started = await run("bash", ["scripts/engines.sh", "start"], { timeoutMs: 120_000 });
  if (!(await etcdHealthy())) throw new Error(`could not start etcd again:\n${started.stdout}${started.stderr}`);
}

async function container(name: string): Promise<Docker.ContainerInspectInfo> {
  return docker.getContainer(name).inspect();
}

function publishedPort(info: Docker.ContainerInspectInfo): string {
  return info.NetworkSettings.Ports["8080/tcp"]![0].HostPort;
}

/** One request through the test's nginx: the hostname (container id) of the tomcat replica that answered. */
async function viaNginx(): Promise<string | null> {
  const res = await run("curl", ["-sf", "--max-time", "2", `http://127.0.0.1:${nginxPort}/`]);
  return res.code === 0 ? (/hostname=(\S+)/.exec(res.stdout)?.[1] ?? null) : null;
}

function upstreamFile(): Promise<string> {
  return readFile(path.join(dir, "nginx", "tomcat.conf"), "utf8");
}

function serverLines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("server "));
}

/** Server-sent events of a `?stream=true` request, parsed as they arrive. */
function openStream(url: string): { events: any[]; close(): void; opened: Promise<Response> } {
  const events: any[] = [];
  const controller = new AbortController();
  const opened = fetch(url, { signal: controller.signal });
  void opened
    .then(async (res) => {
      for await (const event of sseEvents(res)) events.push(event);
    })
    .catch(() => {});
  return { events, close: () => controller.abort(), opened };
}

beforeAll(async () => {
  docker = await requireDocker();
  await (await requireEtcd()).close();
  for (const image of ["tomcat:latest", "registry.aliyuncs.com/acs-sample/nginx-service-discovery:latest"]) {
    await docker.getImage(image).inspect().catch(() => {
      throw new Error(`the demo image ${image} is missing: run \`npm run images\``);
    });
  }
  dir = await copyExample("04-discovery-api");
  file = path.join(dir, "docker-compose.yml");
  certs = path.join(dir, "certs");
  // The agents apply supervises keep their pid files and logs here, not in ~/.berth/agents.
  process.env.BERTH_AGENT_DIR = path.join(dir, "agents");

  const made = await berth(["discovery", "certs", "--out", certs]);
  expect(made.code, made.stderr).toBe(0);
  await applyOk();

  const plain = new Child("berth discovery serve", ["discovery", "serve", "--etcd", ETCD_ENDPOINT, "--listen", "127.0.0.1:0"]);
  const tls = new Child("berth discovery serve (TLS)", [
    "discovery", "serve", "--etcd", ETCD_ENDPOINT, "--listen", "127.0.0.1:0",
    "--tls-ca", path.join(certs, "ca.pem"), "--tls-cert", path.join(certs, "server.pem"), "--tls-key", path.join(certs, "server-key.pem"),
  ]);
  plainUrl = (await plain.waitFor(/on (http:\/\/127\.0\.0\.1:\d+)\/services/, 10_000))[1];
  tlsUrl = (await tls.waitFor(/on (https:\/\/127\.0\.0\.1:\d+)\/services/, 10_000))[1];
});

/** The project's agent as `berth status --json` reports it. */
async function supervisedAgent(): Promise<{ project: string; pid: number; running: boolean; endpoints: string[]; lastLine: string | null }> {
  const status = await berth(["status", "--json"]);
  expect(status.code, status.stderr).toBe(0);
  const agent = (JSON.parse(status.stdout).agents as { project: string }[]).find((a) => a.project === project);
  if (!agent) throw new Error(`no supervised agent for ${project}: ${status.stdout}`);
  return agent as never;
}

afterAll(async () => {
  for (const child of children.splice(0).reverse()) await child.stop().catch(() => {});
  if (nginx?.pid && nginx.exitCode === null) process.kill(nginx.pid, "SIGTERM");
  await ensureEtcd();
  if (file && !destroyed) await berth(["destroy", "--auto-approve", ...flags()]);
  // The agent apply started for this test's project, if destroy did not stop it.
  await stopAgent(project);
  if (docker) {
    await removeProject(docker, project);
    await removeProject(docker, lockProject);
  }
  await deletePrefix(`/berth/services/${project}_`);
  await deletePrefix(`/${lockPrefix}/`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("discovery through the CLI (real etcd, dockerd, nginx)", () => {
  it("apply --etcd writes the article's record: Service with extensions, one running container per replica", async () => {
    const { status, body } = await getJson(`${plainUrl}/services/${tomcat}`);

    expect(status).toBe(200);
    expect(body.Service).toEqual({
      name: "tomcat",
      project,
      definition: {
        image: "tomcat:latest",
        labels: { "aliyun.scale": "3", "aliyun.routing.port_8080": "http://tomcat" },
        ports: ["8080"],
        environment: { LANG: "C.UTF-8", CATALINA_HOME: "/usr/local/tomcat", TOMCAT_MAJOR: "8" },
        restart: "always",
      },
      extensions: { scale: 3, routing: [{ virtual_host: `tomcat.${project}.localhost`, protocol: "http", port: 8080 }] },
    });
    const containers = Object.entries(body.Containers as Record<string, any>);
    expect(containers.map(([, c]) => c.name)).toEqual([1, 2, 3].map((n) => `/${project}_tomcat_${n}`));
    for (const [id, c] of containers) {
      expect(c).toMatchObject({ running: true, status: "running", health: "success", node: hostname() });
      const info = await container(id);
      expect(info.Name).toBe(c.name);
      expect(c.published).toEqual({ "8080/tcp": Number(publishedPort(info)) });
    }
    expect((await getJson(`${plainUrl}/services`)).body.services).toEqual(expect.arrayContaining([`${project}_nginx`, tomcat]));
  });

  it("answers the article's curl with the agent's client certificate over TLS, and refuses a client without one", async () => {
    const url = `${tlsUrl}/services/${tomcat}`;
    const withCert = await run("curl", ["-k", "--cert", "agent.pem", "--key", "agent-key.pem", url], { cwd: certs, timeoutMs: 10_000 });
    expect(withCert.code, withCert.stderr).toBe(0);
    expect(JSON.parse(withCert.stdout)).toEqual((await getJson(`${plainUrl}/services/${tomcat}`)).body);

    const without = await run("curl", ["-k", "-sS", "--max-time", "5", url], { cwd: certs, timeoutMs: 10_000 });
    expect(without.code).not.toBe(0);
    expect(without.stdout).toBe("");
    expect(without.stderr).toMatch(/certificate required|handshake|alert|SSL/i);
  });

  it("streams a scale change (aliyun.scale 3 → 4, apply) within seconds", async () => {
    const stream = openStream(`${plainUrl}/services/${tomcat}?stream=true`);
    try {
      expect((await stream.opened).headers.get("content-type")).toBe("text/event-stream");
      await until(() => stream.events.length > 0, 5_000, "the stream's first event");
      expect(stream.events[0].Service.extensions.scale).toBe(3);

      await editFile(file, (t) => {
        expect(t).toContain("aliyun.scale: '3'");
        return t.replace("aliyun.scale: '3'", "aliyun.scale: '4'");
      });
      const started = performance.now();
      await applyOk();
      const applied = performance.now();
      const seen = (e: any) => e.Service.extensions.scale === 4 && Object.values(e.Containers).filter((c: any) => c.running).length === 4;
      await until(() => stream.events.some(seen), 5_000, "an event with scale 4 and 4 running containers");
      const ms = performance.now() - applied;
      console.log(`cli stream: scale 3 → 4 streamed ${ms.toFixed(0)} ms after apply returned (apply took ${(applied - started).toFixed(0)} ms)`);
      expect(ms).toBeLessThan(3_000);
      const last = [...stream.events].reverse().find(seen);
      expect(Object.values(last.Containers).map((c: any) => c.name)).toEqual([1, 2, 3, 4].map((n) => `/${project}_tomcat_${n}`));
    } finally {
      stream.close();
    }
  });

  it("berth agent + berth sync: a real nginx follows a scale change, keeps serving through an etcd outage, and drops a stopped replica", async () => {
    // nginx's files: the article's upstream template, a main configuration that includes what sync writes.
    const ngx = path.join(dir, "nginx");
    await mkdir(path.join(ngx, "temp"), { recursive: true });
    const template = path.join(ngx, "tomcat.tmpl");
    const out = path.join(ngx, "tomcat.conf");
    const main = path.join(ngx, "nginx.conf");
    const pidFile = path.join(ngx, "nginx.pid");
    await writeFile(template, "upstream ${serviceName} {\n    ${upstreamServers}\n}\n");
    nginxPort = await freePort();
    await writeFile(
      main,
      userNginxConf({
        dir: ngx,
        pidFile,
        include: out,
        port: nginxPort,
        upstream: tomcat,
        location: `proxy_pass http://${tomcat}; proxy_next_upstream error timeout; proxy_connect_timeout 1s;`,
      }),
    );
    const syncArgs = ["sync", "-p", project, "--etcd", ETCD_ENDPOINT, "--service", "tomcat", "--template", template, "--out", out];

    // The first render (validated on its own), then nginx, then the sync that keeps it current.
    const once = await berth([...syncArgs, "--once"]);
    expect(once.code, once.stderr).toBe(0);
    expect(serverLines(await upstreamFile())).toHaveLength(4);
    nginx = spawn(NGINX, ["-p", `${ngx}/`, "-e", `${ngx}/error.log`, "-c", main, "-g", "daemon off;"], { stdio: "ignore" });
    await until(async () => (await viaNginx()) !== null, 5_000, "nginx to answer through the rendered upstream");

    // The agent is the one apply started and supervises (no hand-run `berth agent`).
    const agent = await supervisedAgent();
    expect(agent.running, JSON.stringify(agent)).toBe(true);
    const sync = new Child("berth sync", [...syncArgs, "--nginx-conf", main, "--nginx-pid", pidFile]);
    await sync.waitFor(/^Syncing /m, 10_000);

    // Scale change 4 → 5: the new replica is in nginx's upstream and answers through it.
    await editFile(file, (t) => t.replace("aliyun.scale: '4'", "aliyun.scale: '5'"));
    await applyOk();
    const fifth = await container(`${project}_tomcat_5`);
    const t5 = performance.now();
    await until(async () => (await upstreamFile()).includes(`server 127.0.0.1:${publishedPort(fifth)};`), 5_000, "replica 5 in the upstream");
    await until(async () => (await viaNginx()) === fifth.Id.slice(0, 12), 5_000, "a request through nginx to reach replica 5", { intervalMs: 0 });
    console.log(`cli sync: replica 5 answered through nginx ${(performance.now() - t5).toFixed(0)} ms after apply returned`);
    const lastGood = await upstreamFile();
    expect(serverLines(lastGood)).toHaveLength(5);

    // etcd goes away mid-watch: nginx keeps serving the last good configuration.
    const status = await run("bash", ["scripts/engines.sh", "status"]);
    expect(status.stdout, "etcd must have been started by scripts/engines.sh for the test to stop it").toMatch(/etcd: healthy at \S+ \(pid \d+\)/);
    try {
      const stopped = await run("bash", ["scripts/engines.sh", "stop", "etcd"]);
      expect(stopped.code, stopped.stdout + stopped.stderr).toBe(0);
      await until(async () => !(await etcdHealthy()), 10_000, "etcd to stop");
      await sync.waitFor(/does not answer|unavailable|retrying/i, 10_000);
      const during: (string | null)[] = [];
      for (let i = 0; i < 5; i++) during.push(await viaNginx());
      expect(during.every((h) => h !== null), `answers through nginx while etcd is down: ${during.join(", ")}`).toBe(true);
      expect(await upstreamFile()).toBe(lastGood);
      expect(sync.exited).toBeNull();
      expect(isAlive(agent.pid), "the supervised agent outlives an etcd outage").toBe(true);
    } finally {
      await ensureEtcd();
    }

    // etcd is back (the sync and the agent may still be in their back-off): a `docker stop` of a
    // replica reaches the agent, etcd, the sync and nginx.
    const second = await container(`${project}_tomcat_2`);
    const stopAt = performance.now();
    await docker.getContainer(second.Id).stop({ t: 1 });
    const stoppedAt = performance.now();
    await until(async () => !(await upstreamFile()).includes(`server 127.0.0.1:${publishedPort(second)};`), 15_000, "replica 2 to leave the upstream");
    console.log(
      `cli sync: after etcd came back, docker stop of replica 2 left nginx's upstream ${(performance.now() - stoppedAt).toFixed(0)} ms after docker stop returned ` +
        `(${(performance.now() - stopAt).toFixed(0)} ms after it began)`,
    );
    expect(serverLines(await upstreamFile())).toHaveLength(4);
    // The sync noticed the outage, read everything again when etcd answered, and never gave nginx a bad file.
    expect(sync.err).toMatch(/(does not answer|unavailable|retrying)[\s\S]*etcd answers again/);
    expect(sync.err).not.toMatch(/rejected/);
    const after = new Set<string | null>();
    for (let i = 0; i < 8; i++) after.add(await viaNginx());
    expect(after.has(null)).toBe(false);
    expect(after.has(second.Id.slice(0, 12))).toBe(false);

    await sync.stop();
    expect(sync.exited).toBe(0);
  });

  it("apply supervises the agent: berth status shows it; killed, the next apply starts it again", async () => {
    const first = await supervisedAgent();
    expect(first).toMatchObject({ project, running: true, endpoints: [ETCD_ENDPOINT] });
    expect(first.lastLine).toMatch(/^Agent for project /);
    const text = await berth(["status"]);
    expect(text.stdout).toContain(`agent ${project}: running (pid ${first.pid})`);
    // An apply with nothing to change leaves the running agent alone.
    await applyOk();
    expect((await supervisedAgent()).pid).toBe(first.pid);
    process.kill(first.pid, "SIGKILL");
    await until(async () => !isAlive(first.pid), 5_000, "the killed agent to go");
    expect((await supervisedAgent()).running).toBe(false);
    expect((await berth(["status"])).stdout).toContain(`agent ${project}: NOT running`);
    const again = await applyOk();
    expect(again.stdout).toMatch(/agent for \S+ started \(pid \d+/);
    const second = await supervisedAgent();
    expect(second.running).toBe(true);
    expect(second.pid).not.toBe(first.pid);
  });

  it("refuses a second apply while the etcd state lock is held, naming the holder", async () => {
    const backend = new EtcdStateBackend({ endpoints: [ETCD_ENDPOINT], prefix: lockPrefix, project: lockProject, tls: null });
    const lock = await backend.lock("test holder");
    try {
      const res = await berth(["apply", "--auto-approve", "-f", file, "-p", lockProject, "--etcd", ETCD_ENDPOINT, "--state", `etcd://127.0.0.1:2379/${lockPrefix}`]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`state is locked by pid ${process.pid} on host ${hostname()} ("test holder")`);
      expect(await docker.listContainers({ all: true, filters: { label: [`berth.project=${lockProject}`] } })).toEqual([]);
    } finally {
      await lock.release();
      await backend.close();
    }
  });

  it("berth destroy removes the records: the API answers 404", async () => {
    const agent = await supervisedAgent();
    const res = await berth(["destroy", "--auto-approve", ...flags()]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    destroyed = true;
    // ... and stops the agent apply supervised.
    expect(res.stdout).toContain(`agent for ${project} stopped`);
    expect(isAlive(agent.pid)).toBe(false);
    expect(JSON.parse((await berth(["status", "--json"])).stdout).agents).toEqual([]);

    for (const service of ["tomcat", "nginx"]) {
      const { status, body } = await getJson(`${plainUrl}/services/${project}_${service}`);
      expect(status).toBe(404);
      expect(body).toEqual({ error: `no service ${project}_${service} is recorded` });
    }
    const client = rawEtcd();
    try {
      expect(await client.getAll().prefix(`/berth/services/${project}_`).keys()).toEqual([]);
    } finally {
      client.close();
    }
  });
});
