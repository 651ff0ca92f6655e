import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../../src/core/process.js";

/**
 * Apply starts and supervises the agent that keeps a project's container entries current, as it
 * starts the router: one `berth agent` per project on this machine, detached, its pid and log
 * under BERTH_AGENT_DIR (default ~/.berth/agents). A dead one is started again by the next
 * apply; destroy stops it. `berth status` reads the same files.
 */
export interface AgentRecord {
  project: string;
  pid: number;
  endpoints: string[];
  startedAt: string;
  log: string;
}

export interface AgentStatus extends AgentRecord {
  running: boolean;
  /** The last line the agent wrote to its log: "Agent for project …" once it serves, or its complaint. */
  lastLine: string | null;
}

export function agentDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_AGENT_DIR ?? path.join(homedir(), ".berth", "agents");
}

/** Starts the project's agent unless one supervised here runs already; returns its record and whether it was started now. */
export async function ensureAgent(opts: { project: string; endpoints: string[]; env?: NodeJS.ProcessEnv }): Promise<{ agent: AgentRecord; started: boolean }> {
  const env = opts.env ?? process.env;
  const dir = agentDir(env);
  const current = readRecord(dir, opts.project);
  if (current && isOurAgent(current) && sameEndpoints(current.endpoints, opts.endpoints)) return { agent: current, started: false };
  if (current && isOurAgent(current)) stopProcess(current.pid);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const log = path.join(dir, `${opts.project}.log`);
  const out = openSync(log, "a", 0o600);
  try {
    // The running CLI's own entry point: the agent is the same Berth, started as `berth agent`.
    const child = spawn(process.execPath, [process.argv[1], "agent", "-p", opts.project, "--etcd", opts.endpoints.join(",")], {
      detached: true,
      stdio: ["ignore", out, out],
      env: { ...env, NO_COLOR: "1" },
    });
    child.unref();
    const agent: AgentRecord = { project: opts.project, pid: child.pid!, endpoints: opts.endpoints, startedAt: new Date().toISOString(), log };
    writeFileSync(recordPath(dir, opts.project), `${JSON.stringify(agent, null, 2)}\n`, { mode: 0o600 });
    return { agent, started: true };
  } finally {
    closeSync(out);
  }
}

/** Stops the project's supervised agent (SIGTERM: it revokes its lease, so its entries go at once) and forgets it. */
export async function stopAgent(project: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const dir = agentDir(env);
  const current = readRecord(dir, project);
  if (!current) return false;
  const running = isOurAgent(current);
  if (running) {
    stopProcess(current.pid);
    for (let i = 0; i < 50 && isAlive(current.pid); i++) await sleep(100);
  }
  rmSync(recordPath(dir, project), { force: true });
  return running;
}

/** Every supervised agent on this machine, running or not. */
export function agentStatuses(env: NodeJS.ProcessEnv = process.env): AgentStatus[] {
  const dir = agentDir(env);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => {
      const record = readRecord(dir, f.slice(0, -".json".length));
      return record ? [{ ...record, running: isOurAgent(record), lastLine: lastLine(record.log) }] : [];
    })
    .sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : 0));
}

function recordPath(dir: string, project: string): string {
  return path.join(dir, `${project}.json`);
}

function readRecord(dir: string, project: string): AgentRecord | null {
  try {
    const parsed = JSON.parse(readFileSync(recordPath(dir, project), "utf8")) as AgentRecord;
    return Number.isInteger(parsed.pid) && parsed.pid > 0 ? parsed : null;
  } catch {
    return null;
  }
}

/** Alive, and still a `berth agent` for this project: a pid the system gave to another process since is not ours to signal. */
function isOurAgent(record: AgentRecord): boolean {
  if (!isAlive(record.pid)) return false;
  try {
    const argv = readFileSync(`/proc/${record.pid}/cmdline`, "utf8").split("\0");
    const at = argv.indexOf("agent");
    return at >= 0 && argv[at + 1] === "-p" && argv[at + 2] === record.project;
  } catch {
    return false;
  }
}

function stopProcess(pid: number): void {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // gone already
  }
}

function sameEndpoints(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i]);
}

function lastLine(file: string): string | null {
  try {
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    return lines[lines.length - 1] || null;
  } catch {
    return null;
  }
}
