import { spawn } from "node:child_process";
import http from "node:http";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BERTH = path.join(ROOT, "bin/berth.mjs");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI bundle (dist/, built by `npm test` before vitest), as a user would. */
export function berth(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<RunResult> {
  return runProcess(process.execPath, [BERTH, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", CI: "true", BERTH_STOP_TIMEOUT: "1", ...opts.env },
  });
}

/** Runs a program to its end with `input` (or nothing) on its stdin, and collects what it printed. */
export function runProcess(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/** Fails loudly when no engine answers: an e2e test never skips. */
export async function requireDocker(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (e) {
    throw new Error(`e2e tests need a running Docker engine (npm run engines): ${(e as Error).message}`);
  }
  return docker;
}

export async function projectContainers(docker: Docker, project: string): Promise<Docker.ContainerInfo[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`berth.project=${project}`] } });
  return list.sort((a, b) => a.Names[0].localeCompare(b.Names[0]));
}

/** Removes whatever a test project left behind, even when the test failed half way. */
export async function removeProject(docker: Docker, project: string): Promise<void> {
  for (const c of await projectContainers(docker, project)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  const nets = await docker.listNetworks({ filters: { name: [`${project}_default`] } });
  for (const n of nets) if (n.Name === `${project}_default`) await docker.getNetwork(n.Id).remove().catch(() => {});
  const vols = await docker.listVolumes({ filters: { label: [`berth.project=${project}`] } });
  for (const v of vols.Volumes ?? []) await docker.getVolume(v.Name).remove({ force: true }).catch(() => {});
  // The tags that keep applied configurations' images for berth rollback.
  const kept = await docker.listImages({ filters: { reference: [`berth-keep/${project}`] } });
  for (const tag of kept.flatMap((i) => i.RepoTags ?? [])) await docker.getImage(tag).remove({ noprune: true }).catch(() => {});
}

export function uniqueProject(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/** A copy of an example in a tmp folder, so the test can edit the template and keep its state apart. */
export async function copyExample(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `berth-${name}-`));
  await cp(path.join(ROOT, "examples", name), dir, { recursive: true });
  return dir;
}

export async function editFile(file: string, edit: (text: string) => string): Promise<void> {
  await writeFile(file, edit(await readFile(file, "utf8")));
}

/**
 * node:http rather than fetch: fetch refuses to set the Host header, which is how the router is
 * reached. One connection per request (agent: false): an idle keep-alive connection that nginx
 * closes on a graceful reload races the client's next request on it ("socket hang up"), which
 * browsers retry silently and a counting test would report as an outage that was not one.
 */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 5000, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
  });
}

/**
 * A router of the test's own (folder and port): the examples route fixed virtual hosts, which a
 * project on the shared router (`npm run demo`'s, say) may already own. `env` goes to `berth`.
 */
export async function privateRouter(prefix: string): Promise<{ env: Record<string, string>; listen: string; stop(): Promise<void> }> {
  const { freePort } = await import("./local-nginx.js");
  const { stopRouter } = await import("../../providers/routing/stop-router.js");
  const dir = await mkdtemp(path.join(tmpdir(), `berth-${prefix}-router-`));
  const listen = `127.0.0.1:${await freePort()}`;
  return { env: { BERTH_ROUTER_DIR: dir, BERTH_ROUTER_LISTEN: listen }, listen, stop: async () => void (await stopRouter(dir)) };
}

/** Runs a shell script in a container and returns what it printed (stdout and stderr). */
export async function execIn(docker: Docker, container: string, script: string): Promise<string> {
  const run = await docker.getContainer(container).exec({ Cmd: ["sh", "-c", script], AttachStdout: true, AttachStderr: true });
  const stream = await run.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (d: Buffer) => chunks.push(d));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  return demux(Buffer.concat(chunks));
}

/** The engine frames exec output (8-byte header per chunk) when no TTY is attached. */
function demux(raw: Buffer): string {
  let out = "";
  for (let i = 0; i + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(i + 4);
    out += raw.subarray(i + 8, i + 8 + size).toString("utf8");
    i += 8 + size;
  }
  return out;
}
