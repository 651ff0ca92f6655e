import { describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT, httpGet } from "../e2e/helpers.js";
import { freePort } from "../e2e/local-nginx.js";
import { trackProjects, type Project, V1, V2, expectConverges, expectStateLoads, report, show, waitForOutput } from "./harness.js";

/**
 * The engines fail under Berth: the router's nginx killed between two applies, etcd (the state
 * backend) killed during an apply, dockerd restarted during an apply. Each ends with the
 * convergence check. etcd is one of this case's own (own data folder and ports), nginx is this
 * case's private router; dockerd is the shared engine, restarted the way scripts/engines.sh
 * starts it: that stops every container on it, so it disrupts tests running beside this one.
 */
describe("engine faults during and between applies", () => {
  const projects = trackProjects();

  it("the router's nginx killed between two applies: the plan sees it, the next apply brings it back", async () => {
    const p = await projects.create("nginx");
    await p.write(V1);
    await p.applyOk();
    expect((await viaRouter(p)).status).toBe(200);

    const master = Number(readFileSync(path.join(p.routerDir, "nginx.pid"), "utf8").trim());
    const workers = childrenOf(master);
    expect(workers.length, "the router runs workers").toBeGreaterThan(0);
    // Only this router's processes, by PID: the master first so it cannot respawn a worker.
    for (const pid of [master, ...workers]) process.kill(pid, "SIGKILL");
    await waitUntil(() => [master, ...workers].every((pid) => !isAlive(pid)), 10_000, "the router's nginx to die");
    const down = await viaRouter(p).catch((e: Error) => ({ status: 0, body: e.message }));
    expect(down.status, "nothing answers after the kill").toBe(0);

    const plan = await p.run("plan", "--detailed-exitcode");
    expect(plan.code, `the plan shows the router must be fixed\n${show(plan)}`).toBe(2);
    await p.write(V2); // the second apply also changes the service
    const converged = await expectConverges(projects.docker, p, V2);
    const up = await viaRouter(p);
    expect(up.status, "the router answers again").toBe(200);
    report(
      "nginx-killed",
      `killed router master ${master} and ${workers.length} workers between two applies: plan exit 2 (drift seen: ` +
        `"${/Plan: .*/.exec(plan.stdout)?.[0]}"); next apply (scale 3→6, new variable): ${converged.summary}; plan empty; router answers ${up.status}`,
    );
  });

  it("etcd (the state backend) killed during an apply: apply fails saying so; with etcd back, the next apply converges", async () => {
    const etcd = await OwnEtcd.start();
    const p = await projects.create("etcd");
    try {
      p.state = `etcd://127.0.0.1:${etcd.clientPort}/${p.name}`;
      await p.write(V1);
      await p.applyOk();
      await p.write(V2);
      const running = p.start("apply", "--auto-approve");
      await waitForOutput(running, /complete after/, 60_000);
      await etcd.kill();
      const t0 = performance.now();
      const ended = await running.done;
      const failedAfterMs = performance.now() - t0;
      expect(ended.code, show(ended)).toBe(1);
      expect(ended.stderr, "the error names etcd").toMatch(/^Error: .*etcd/im);
      expect(ended.stderr, "a clear error, not a crash").not.toMatch(/internal error/);
      // Generous: the client retries for a while before it gives up.
      expect(failedAfterMs).toBeLessThan(120_000);
      const completed = (ended.stdout.match(/complete after/g) ?? []).length;

      await etcd.restart();
      const converged = await expectConverges(projects.docker, p, V2);
      report(
        "etcd-killed",
        `own etcd on 127.0.0.1:${etcd.clientPort} SIGKILLed after the first of 8 steps completed: apply exit 1 ` +
          `${Math.round(failedAfterMs)} ms later, ${completed} steps completed ("${firstLine(ended.stderr)}"); ` +
          `etcd restarted on the same data: ${converged.summary}; plan empty; 6 containers exactly`,
      );
    } finally {
      await etcd.kill();
      await etcd.remove();
    }
  });

  it("dockerd restarted during an apply: the apply ends cleanly; with dockerd back, the next apply converges", async () => {
    const pidFile = path.join(process.env.BERTH_ENGINES_DIR ?? "/tmp/berth-engines", "dockerd.pid");
    expect(existsSync(pidFile), `dockerd must have been started by scripts/engines.sh (no ${pidFile}): this case restarts it the same way`).toBe(true);
    const p = await projects.create("dockerd");
    await p.write(V1);
    await p.applyOk();
    await p.write(V2);
    const running = p.start("apply", "--auto-approve");
    await waitForOutput(running, /complete after/, 60_000);
    const t0 = performance.now();
    const stop = spawnSync("bash", [path.join(ROOT, "scripts/engines.sh"), "stop", "dockerd"], { encoding: "utf8" });
    expect(stop.status, stop.stdout + stop.stderr).toBe(0);
    const ended = await running.done;
    const start = spawnSync("bash", [path.join(ROOT, "scripts/engines.sh"), "start"], { encoding: "utf8" });
    expect(start.status, start.stdout + start.stderr).toBe(0);
    await waitUntil(async () => (await projects.docker.ping().then(() => true, () => false)), 120_000, "dockerd to answer again");
    const restartMs = performance.now() - t0;
    // dockerd answers while it shuts down (it stops its containers first): the apply may fail
    // or finish; either way it must end with a clear outcome, and the next apply must converge.
    expect([0, 1], show(ended)).toContain(ended.code);
    expect(ended.stderr, "a clear error, not a crash").not.toMatch(/internal error/);
    if (ended.code === 1) expect(ended.stderr, show(ended)).toMatch(/^Error: /m);
    const completed = (ended.stdout.match(/complete after/g) ?? []).length;

    await expectStateLoads(p);
    const converged = await expectConverges(projects.docker, p, V2);
    const up = await viaRouter(p);
    expect(up.status, "the router reaches the replicas again").toBe(200);
    report(
      "dockerd-restarted",
      `dockerd stopped and started again by scripts/engines.sh during the change (${Math.round(restartMs)} ms until it answered): ` +
        `apply exit ${ended.code}, ${completed} of 8 steps completed${ended.code === 1 ? ` ("${firstLine(ended.stderr)}")` : ""}; next apply: ${converged.summary}; plan empty; ` +
        `6 containers exactly, router answers ${up.status}`,
    );
  });
});

function viaRouter(p: Project): Promise<{ status: number; body: string }> {
  return httpGet(`http://${p.listen}/`, { Host: p.host });
}

function childrenOf(pid: number): number[] {
  const out = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).stdout;
  return out.split("\n").filter(Boolean).map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

async function waitUntil(test: () => boolean | Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (!(await test())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The error line (warnings may come before it). */
function firstLine(text: string): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return (lines.find((l) => l.startsWith("Error:")) ?? lines[0] ?? "").trim().slice(0, 260);
}

/** An etcd of this case's own: its own data folder and loopback ports, stopped by its PID. */
class OwnEtcd {
  private child: ChildProcess | null = null;

  private constructor(
    readonly dataDir: string,
    readonly clientPort: number,
    readonly peerPort: number,
  ) {}

  static async start(): Promise<OwnEtcd> {
    const binary = spawnSync("sh", ["-c", "command -v etcd"], { encoding: "utf8" }).stdout.trim();
    if (!binary) throw new Error("etcd not found (Debian package etcd-server): run npm run engines");
    const dir = await mkdtemp(path.join(tmpdir(), "berth-rel-etcd-"));
    const etcd = new OwnEtcd(dir, await freePort(), await freePort());
    await etcd.restart();
    return etcd;
  }

  async restart(): Promise<void> {
    const client = `http://127.0.0.1:${this.clientPort}`;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.child = spawn(
      "etcd",
      [
        "--name", "rel",
        "--data-dir", path.join(this.dataDir, "data"),
        "--listen-client-urls", client,
        "--advertise-client-urls", client,
        "--listen-peer-urls", peer,
        "--initial-advertise-peer-urls", peer,
        "--initial-cluster", `rel=${peer}`,
        "--logger", "zap",
        "--log-outputs", path.join(this.dataDir, "etcd.log"),
      ],
      { stdio: "ignore" },
    );
    const child = this.child;
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`etcd exited (${child.exitCode}); see ${this.dataDir}/etcd.log`);
        const health = await httpGet(`${client}/health`).catch(() => null);
        return health?.status === 200 && health.body.includes('"health":"true"');
      },
      60_000,
      `etcd on ${client}`,
    );
  }

  /** SIGKILL by PID, and wait until it is gone (its ports are free again). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(child.pid!, "SIGKILL");
    await exited;
  }

  async remove(): Promise<void> {
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
