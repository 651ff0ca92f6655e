/**
 * What the reliability cases share: running the real CLI bundle (possibly to kill it), a
 * private router per case (its own BERTH_ROUTER_DIR and an unusual loopback port, so the
 * shared router other engineers' tests use is never touched), the routed test service in
 * its two versions, and the convergence check every fault ends with.
 *
 * Each case prints what it tried and what it found as `[reliability] <case>: <figure>` lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { afterAll, beforeAll, expect } from "vitest";
import { stopRouter } from "../../providers/routing/stop-router.js";
import { parseState } from "../../state/new-state.js";
import { freePort } from "../e2e/local-nginx.js";
import { BERTH, berth, projectContainers, removeProject, requireDocker, uniqueProject, type RunResult } from "../e2e/helpers.js";

export { berth, projectContainers, removeProject, requireDocker, type RunResult } from "../e2e/helpers.js";

/** One line of figures, greppable in CI logs. */
export function report(caseName: string, text: string): void {
  console.log(`[reliability] ${caseName}: ${text}`);
}

/** Deterministic randomness: BERTH_RELIABILITY_SEED replays a run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function relSeed(): number {
  const fromEnv = Number(process.env.BERTH_RELIABILITY_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

/** A berth process the case may kill: its output so far, and a promise of how it ended. */
export interface Running {
  child: ChildProcess;
  pid: number;
  output(): { stdout: string; stderr: string };
  done: Promise<RunResult & { signal: NodeJS.Signals | null; ms: number }>;
  exited(): boolean;
}

export function startBerth(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Running {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BERTH, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", CI: "true", BERTH_STOP_TIMEOUT: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let exited = false;
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<RunResult & { signal: NodeJS.Signals | null; ms: number }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      exited = true;
      resolve({ code: code ?? -1, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
  return { child, pid: child.pid!, output: () => ({ stdout, stderr }), done, exited: () => exited };
}

/** Resolves once `test` holds for the running process's stdout (or rejects at the deadline / on exit). */
export async function waitForOutput(run: Running, test: RegExp, deadlineMs: number): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (!test.test(run.output().stdout + run.output().stderr)) {
    if (run.exited()) throw new Error(`berth exited before printing ${test}:\n${show(await run.done)}`);
    if (performance.now() > deadline) throw new Error(`berth did not print ${test} within ${deadlineMs} ms:\n${run.output().stdout}`);
    await sleep(10);
  }
}

export function show(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** The service every fault is played on: a routed web service, v1 (scale 3) or v2 (scale 6, one more variable). */
export interface Version {
  scale: number;
  environment: Record<string, string>;
}
export const V1: Version = { scale: 3, environment: {} };
export const V2: Version = { scale: 6, environment: { RELEASE: "2" } };

export function webTemplate(version: Version, host: string): string {
  const env = Object.entries(version.environment).map(([k, v]) => `    ${k}: '${v}'\n`).join("");
  return (
    "web:\n  image: berth/web:1\n  ports: ['8080']\n" +
    (env ? `  environment:\n${env}` : "") +
    `  labels:\n    aliyun.scale: '${version.scale}'\n    aliyun.routing.port_8080: ${host}\n`
  );
}

/**
 * One project of a case: its template folder, its private router, its state location.
 * `run` passes -f, -p and --state (when set) to the CLI.
 */
export class Project {
  readonly name: string;
  readonly dir: string;
  readonly file: string;
  readonly host: string;
  routerDir = "";
  listen = "";
  state: string | undefined;
  extraEnv: Record<string, string> = {};

  private constructor(prefix: string, dir: string) {
    this.name = uniqueProject(`rel-${prefix}-`);
    this.dir = dir;
    this.file = path.join(dir, "docker-compose.yml");
    this.host = `${this.name}.localhost`;
  }

  static async create(prefix: string): Promise<Project> {
    const dir = await mkdtemp(path.join(tmpdir(), `berth-rel-${prefix}-`));
    const p = new Project(prefix, dir);
    p.routerDir = path.join(dir, "router");
    // An unusual loopback port of the case's own; freePort hands out high ephemeral ones.
    p.listen = `127.0.0.1:${await freePort()}`;
    return p;
  }

  get env(): Record<string, string> {
    return { BERTH_ROUTER_DIR: this.routerDir, BERTH_ROUTER_LISTEN: this.listen, ...this.extraEnv };
  }

  get statePath(): string {
    return this.state ?? path.join(this.dir, ".berth", `${this.name}.state.json`);
  }

  flags(): string[] {
    return ["-f", this.file, "-p", this.name, ...(this.state ? ["--state", this.state] : [])];
  }

  async write(version: Version): Promise<void> {
    await writeFile(this.file, webTemplate(version, this.host));
  }

  run(...args: string[]): Promise<RunResult> {
    return berth([...args, ...this.flags()], { env: this.env, cwd: this.dir });
  }

  start(...args: string[]): Running {
    return startBerth([...args, ...this.flags()], this.env, this.dir);
  }

  async applyOk(): Promise<RunResult> {
    const r = await this.run("apply", "--auto-approve");
    if (r.code !== 0) throw new Error(`berth apply failed for ${this.name}:\n${show(r)}`);
    return r;
  }

  /** Destroyed through Berth, then whatever the case left removed: the end of every case's project. */
  async dispose(docker: Docker | undefined): Promise<void> {
    await this.run("destroy", "--auto-approve").catch(() => {});
    await this.cleanup(docker);
  }

  /** Whatever the case left: containers, network, the private router's nginx, the folder. */
  async cleanup(docker: Docker | undefined): Promise<void> {
    if (docker) await removeProject(docker, this.name).catch(() => {});
    if (this.routerDir && existsSync(this.routerDir)) await stopRouter(this.routerDir).catch(() => false);
    await rm(this.dir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * The projects a test file makes, each disposed of after the file whatever happened, and the
 * engine, asked for once before the first case (a case fails, never skips, without it).
 */
export function trackProjects(): { readonly docker: Docker; create(prefix: string): Promise<Project> } {
  let docker: Docker | undefined;
  const projects: Project[] = [];
  beforeAll(async () => {
    docker = await requireDocker();
  });
  afterAll(async () => {
    for (const p of projects) await p.dispose(docker);
  });
  return {
    get docker() {
      if (!docker) throw new Error("the engine is asked for before the first case");
      return docker;
    },
    async create(prefix) {
      const p = await Project.create(prefix);
      projects.push(p);
      return p;
    },
  };
}

/** Names `<project>_web_<i>` of the desired replicas. */
export function desiredNames(project: string, version: Version): string[] {
  return Array.from({ length: version.scale }, (_, i) => `${project}_web_${i + 1}`).sort();
}

/** The names and states of the project's containers, listed by the label berth.project. */
export async function runningNames(docker: Docker, project: string): Promise<string[]> {
  return (await projectContainers(docker, project)).map((c) => `${c.Names[0].replace(/^\//, "")}${c.State === "running" ? "" : ` (${c.State})`}`).sort();
}

export interface Convergence {
  /** ms of the converging apply */
  applyMs: number;
  /** what the converging apply did (its summary line) */
  summary: string;
}

/**
 * The check every fault ends with: the state loads, the next apply converges, the plan after
 * it is empty (exit 0 with --detailed-exitcode), exactly the desired containers run (by label
 * berth.project), each with the desired environment.
 */
export async function expectConverges(docker: Docker, p: Project, version: Version): Promise<Convergence> {
  await expectStateLoads(p);
  const t0 = performance.now();
  const applied = await p.run("apply", "--auto-approve");
  const applyMs = performance.now() - t0;
  expect(applied.code, `the apply after the fault converges\n${show(applied)}`).toBe(0);
  const plan = await p.run("plan", "--detailed-exitcode");
  expect(plan.code, `the plan after the converging apply is empty\n${show(plan)}`).toBe(0);
  await expectExactly(docker, p, version);
  if (!p.state?.startsWith("etcd://") && existsSync(p.statePath)) {
    const left = (await readdir(path.dirname(p.statePath))).filter((f) => f.endsWith(".tmp"));
    expect(left, "no temporary state file is left once an apply has written the state again").toEqual([]);
  }
  const summary = /(Apply complete!.*|No changes\..*)/.exec(applied.stdout)?.[1] ?? "?";
  return { applyMs, summary };
}

/** `berth state list` succeeds, and a local state file (when there is one) parses. */
export async function expectStateLoads(p: Project): Promise<void> {
  const list = await p.run("state", "list");
  expect(list.code, `the state loads after the fault\n${show(list)}`).toBe(0);
  if (!p.state?.startsWith("etcd://") && existsSync(p.statePath)) {
    const parsed = parseState(await readFile(p.statePath, "utf8"));
    expect("problem" in parsed ? parsed.problem : "ok").toBe("ok");
  }
}

export async function expectExactly(docker: Docker, p: Project, version: Version): Promise<void> {
  expect(await runningNames(docker, p.name), "exactly the desired containers run").toEqual(desiredNames(p.name, version));
  for (const c of await projectContainers(docker, p.name)) {
    const env = (await docker.getContainer(c.Id).inspect()).Config.Env ?? [];
    for (const [k, v] of Object.entries(version.environment)) expect(env, `${c.Names[0]} has ${k}=${v}`).toContain(`${k}=${v}`);
    if (!("RELEASE" in version.environment)) expect(env.some((e) => e.startsWith("RELEASE=")), `${c.Names[0]} has no RELEASE`).toBe(false);
  }
}

/** SHA-256-free identity of a file's bytes for "intact" checks (null: absent). */
export async function bytesOf(file: string): Promise<Buffer | null> {
  return existsSync(file) ? readFile(file) : null;
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}
