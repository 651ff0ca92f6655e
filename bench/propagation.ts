/**
 * Propagation of a container change to a live nginx upstream, every piece real and run as a
 * user runs it: `berth apply --etcd` for a 2-replica service of berth/web:1, `berth agent`,
 * `berth sync --nginx-conf … --nginx-pid …` and an nginx master of our own on a free
 * 127.0.0.1 port. 20 changes, 5 rounds of:
 *
 *   scale 2 → 3 (berth apply)   docker stop replica 3   docker start replica 3   scale 3 → 2 (berth apply)
 *
 * Each change is timed from the moment Docker reports it (the `start` or `die` event, read by
 * this process from dockerd's event stream, as the agent reads it) to the moment `berth sync`
 * reports nginx reloaded with the new upstream. Goal: ≤ 1 s; the article's agent polls every 60 s.
 *
 *   bash bench/run-ts.sh bench/propagation.ts        (engines and images: npm run engines, npm run images)
 *
 * Cleans up on exit and on SIGINT/SIGTERM: children stopped by pid, containers, records, files.
 * Talks to dockerd over its socket and to etcd over its JSON gateway, so that the bundle needs
 * neither dockerode's optional ssh2 nor gRPC.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { freePort, userNginxConf } from "../test/e2e/local-nginx.js";
import { tmpdir } from "node:os";
import path from "node:path";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// run-ts.sh bundles this file into /tmp: find the checkout from the working directory it cds into.
const BERTH = path.join(existsSync(path.join(ROOT, "bin/berth.mjs")) ? ROOT : process.cwd(), "bin/berth.mjs");
const ETCD = process.env.BERTH_BENCH_ETCD ?? "http://127.0.0.1:2379";
const NGINX = process.env.BERTH_NGINX || "/usr/sbin/nginx";
const ROUNDS = 5;
const GOAL_MS = 1_000;

const project = `benchprop${randomBytes(3).toString("hex")}`;
const id = `${project}_web`;
const DOCKER_SOCKET = "/var/run/docker.sock";
const children: ChildProcess[] = [];
let dir = "";
let cleaned: Promise<void> | null = null;
let interrupted = false;

/** One Docker Engine API request over the socket; the parsed JSON answer (null when empty). */
function dockerApi(method: string, apiPath: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: DOCKER_SOCKET, method, path: apiPath }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        if ((res.statusCode ?? 500) >= 400) return reject(new Error(`docker ${method} ${apiPath}: ${res.statusCode} ${body.trim()}`));
        resolve(body.trim() ? JSON.parse(body) : null);
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** Deletes every etcd key under `prefix` through etcd's JSON gateway. */
async function etcdDeletePrefix(prefix: string): Promise<void> {
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  await fetch(`${ETCD}/v3/kv/deleterange`, { method: "POST", body: JSON.stringify({ key: b64(prefix), range_end: b64(end) }) });
}

function log(line: string): void {
  if (process.env.BENCH_VERBOSE) console.error(line);
}

/** A berth command in the background; each stderr line is timestamped on arrival. */
function background(args: string[]): { proc: ChildProcess; lines: { at: number; text: string }[]; out: () => string } {
  const proc = spawn(process.execPath, [BERTH, ...args], {
    env: { ...process.env, NO_COLOR: "1", CI: "true", BERTH_STOP_TIMEOUT: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(proc);
  const lines: { at: number; text: string }[] = [];
  let stdout = "";
  let partial = "";
  proc.stdout!.on("data", (d) => (stdout += d));
  proc.stderr!.on("data", (d: Buffer) => {
    const at = performance.now();
    partial += d.toString();
    let nl: number;
    while ((nl = partial.indexOf("\n")) >= 0) {
      const text = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push({ at, text });
      log(`  [${args[0]}] ${text}`);
    }
  });
  return { proc, lines, out: () => stdout };
}

function berth(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BERTH, ...args], {
      env: { ...process.env, NO_COLOR: "1", CI: "true", BERTH_STOP_TIMEOUT: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    child.on("close", () => {
      const i = children.indexOf(child);
      if (i >= 0) children.splice(i, 1);
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

async function until<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}


function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.pid && process.kill(proc.pid, "SIGKILL"), 5_000);
    proc.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    process.kill(proc.pid!, "SIGTERM");
  });
}

function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    for (const proc of children.splice(0).reverse()) await stopChild(proc).catch(() => {});
    if (dir && existsSync(path.join(dir, "docker-compose.yml"))) {
      await berth(["destroy", "--auto-approve", "-f", path.join(dir, "docker-compose.yml"), "-p", project, "--etcd", ETCD]);
    }
    const filters = encodeURIComponent(JSON.stringify({ label: [`berth.project=${project}`] }));
    const left: { Id: string }[] = await dockerApi("GET", `/containers/json?all=1&filters=${filters}`).catch(() => []);
    for (const c of left) await dockerApi("DELETE", `/containers/${c.Id}?force=1`).catch(() => {});
    await dockerApi("DELETE", `/networks/${project}_default`).catch(() => {});
    await etcdDeletePrefix(`/berth/services/${project}_`).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  })();
  return cleaned;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`propagation bench: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Docker's container events for the project, timestamped on arrival here. */
async function dockerEvents(): Promise<{ events: { at: number; action: string; name: string }[]; stream: http.IncomingMessage }> {
  const filters = encodeURIComponent(JSON.stringify({ type: ["container"], label: [`berth.project=${project}`], event: ["start", "die"] }));
  const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request({ socketPath: DOCKER_SOCKET, method: "GET", path: `/events?filters=${filters}` }, resolve);
    req.on("error", reject);
    req.end();
  });
  const events: { at: number; action: string; name: string }[] = [];
  let buffered = "";
  stream.on("error", () => {});
  stream.on("data", (chunk: Buffer) => {
    const at = performance.now();
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      const e = JSON.parse(line) as { Action: string; Actor: { Attributes: Record<string, string> } };
      events.push({ at, action: e.Action, name: e.Actor.Attributes.name });
    }
  });
  return { events, stream };
}

function template(scale: number): string {
  return `web:\n  image: berth/web:1\n  ports: ['8080']\n  labels:\n    aliyun.scale: '${scale}'\n`;
}

async function main(): Promise<void> {
  await dockerApi("GET", "/version").catch((e: Error) => {
    throw new Error(`no Docker engine answers (npm run engines): ${e.message}`);
  });
  await dockerApi("GET", "/images/berth%2Fweb:1/json").catch(() => {
    throw new Error("the demo image berth/web:1 is missing (npm run images)");
  });
  const health = await fetch(`${ETCD}/health`).then((r) => r.json() as Promise<{ health?: string }>).catch(() => null);
  if (health?.health !== "true") throw new Error(`etcd does not answer at ${ETCD} (npm run engines)`);
  dir = await mkdtemp(path.join(tmpdir(), "berth-propagation-"));
  const file = path.join(dir, "docker-compose.yml");
  const flags = ["-f", file, "-p", project, "--etcd", ETCD];
  const apply = async (scale: number) => {
    await writeFile(file, template(scale));
    const res = await berth(["apply", "--auto-approve", ...flags]);
    if (res.code !== 0) throw new Error(`berth apply (scale ${scale}) failed:\n${res.output}`);
  };
  await apply(2);

  // nginx: the article's upstream template, rendered by berth sync into a file the main configuration includes.
  const ngx = path.join(dir, "nginx");
  await mkdir(path.join(ngx, "temp"), { recursive: true });
  const tmpl = path.join(ngx, "web.tmpl");
  const out = path.join(ngx, "web.conf");
  const main = path.join(ngx, "nginx.conf");
  const pidFile = path.join(ngx, "nginx.pid");
  const port = await freePort();
  await writeFile(tmpl, "upstream ${serviceName} {\n    ${upstreamServers}\n}\n");
  await writeFile(main, userNginxConf({ dir: ngx, pidFile, include: out, port, upstream: id }));
  const syncArgs = ["sync", "-p", project, "--etcd", ETCD, "--service", "web", "--port", "8080", "--template", tmpl, "--out", out];
  const once = await berth([...syncArgs, "--once"]);
  if (once.code !== 0) throw new Error(`berth sync --once failed:\n${once.output}`);
  const nginx = spawn(NGINX, ["-p", `${ngx}/`, "-e", `${ngx}/error.log`, "-c", main, "-g", "daemon off;"], { stdio: "ignore" });
  children.push(nginx);
  await until(() => existsSync(pidFile), 5_000, "nginx's pid file");

  const { events, stream } = await dockerEvents();
  const agent = background(["agent", "-p", project, "--etcd", ETCD]);
  await until(() => agent.out().includes("Agent for project"), 10_000, "berth agent to start");
  const sync = background([...syncArgs, "--nginx-conf", main, "--nginx-pid", pidFile]);
  await until(() => sync.out().includes("Syncing "), 10_000, "berth sync to start");

  const samples: { what: string; ms: number }[] = [];
  /** Runs a change; times it from Docker's event for `name` to sync's "N upstream servers, nginx reloaded". */
  const measure = async (what: string, name: string, action: "start" | "die", servers: number, change: () => Promise<void>) => {
    const fromEvent = events.length;
    const fromLine = sync.lines.length;
    await change();
    const event = await until(() => events.slice(fromEvent).find((e) => e.name === name && e.action === action), 10_000, `${action} of ${name}`);
    const reloaded = new RegExp(`: ${servers} upstream servers?, nginx reloaded`);
    const line = await until(() => sync.lines.slice(fromLine).find((l) => reloaded.test(l.text)), 10_000, `nginx reloaded with ${servers} servers (${what})`);
    samples.push({ what, ms: line.at - event.at });
    log(`${what}: ${(line.at - event.at).toFixed(1)} ms`);
  };

  const third = `${project}_web_3`;
  for (let round = 0; round < ROUNDS; round++) {
    await measure("scale 2 → 3", third, "start", 3, () => apply(3));
    await measure("docker stop", third, "die", 2, async () => {
      await dockerApi("POST", `/containers/${third}/stop?t=1`);
    });
    await measure("docker start", third, "start", 3, async () => {
      await dockerApi("POST", `/containers/${third}/start`);
    });
    await measure("scale 3 → 2", third, "die", 2, () => apply(2));
  }
  stream.destroy();

  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  const worst = sorted[sorted.length - 1];
  const by = (what: string) => {
    const xs = samples.filter((s) => s.what === what).map((s) => s.ms);
    return `${what} ${xs.map((x) => x.toFixed(0)).join("/")}`;
  };
  console.log(
    `propagation over ${samples.length} changes: median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms (article's agent: polls every 60 s)`,
  );
  console.log(
    `  goal ≤ ${GOAL_MS} ms: ${worst <= GOAL_MS ? "ok" : "MISSED"}; ms from Docker's event to nginx reloaded: ` +
      ["scale 2 → 3", "docker stop", "docker start", "scale 3 → 2"].map(by).join("; "),
  );
}

try {
  await main();
} catch (e) {
  if (!interrupted) {
    console.error(`propagation bench failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
} finally {
  await cleanup();
}
