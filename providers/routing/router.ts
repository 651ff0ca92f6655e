import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import lockfile from "proper-lockfile";
import { UserError } from "../../src/core/errors.js";
import { sha256 } from "../../src/core/hash.js";
import { checkClaims, claimsOf } from "./claims.js";
import { checkProject } from "./names.js";
import { isAlive } from "../../src/core/process.js";
import { isRetired, livePid, nginxBinary, nginxMessage, startMaster, streamModule, testConfig, workerPids } from "./nginx.js";
import { renderMainConfig, STATUS_HOST, STATUS_PATH } from "./render.js";
import { DEFAULT_LISTEN, defaultRouterDir, formatListen, parseListen, type ListenAddress } from "./settings.js";
import { parseProjectFiles, type ProjectFiles, type StateHeader } from "./state-header.js";

/**
 * The router: one nginx master per machine, owned by Berth, in its own folder:
 *
 *   <dir>/current -> generations/000012     the live configuration (a symlink, swapped by rename)
 *   <dir>/generations/000012/nginx.conf      main file: status server, includes
 *   <dir>/generations/000012/projects/<p>.conf, streams/<p>.conf
 *   <dir>/nginx.pid  logs/  temp/  router.json (listen address, counters)  router.lock
 *
 * Every change builds a complete new generation, has `nginx -t` check it, swaps the symlink,
 * reloads the master (SIGHUP: new workers take new connections, old ones finish theirs) and
 * waits until the status location answers the new generation's hash. On any failure the last
 * known good generation is put back. Changes are serialised across processes by a lock file.
 */

export interface RouterOptions {
  /** Default: BERTH_ROUTER_DIR, else ~/.berth/router. */
  dir?: string;
  /** "127.0.0.1:8480"; null: the running router's address, else the default (a free port when taken). */
  listen?: string | null;
  /** Default: BERTH_NGINX, else /usr/sbin/nginx. */
  nginx?: string;
  /** How long a reload may take to serve the new generation. Default 5 s. */
  confirmTimeoutMs?: number;
  /** Default: Debian's ngx_stream_module.so when installed; null: no tcp routes. */
  streamModule?: string | null;
  /** Test hook: runs on the staged generation's folder before `nginx -t` checks it. */
  beforeValidate?: (stagedDir: string) => void | Promise<void>;
}

export interface RouterStatus {
  dir: string;
  running: boolean;
  pid: number | null;
  /** Where the router listens (or last listened): "127.0.0.1:8480". */
  listen: string | null;
  generation: number | null;
  /** Hash of the live generation's configuration. */
  configHash: string | null;
  /** What the status location answers now (null when nothing answers). */
  servingHash: string | null;
  /** Reloads since the router dir was created (starts not counted). */
  reloads: number;
  starts: number;
  /** SIGHUP-to-serving time of the last reload, in ms. */
  lastReloadMs: number | null;
  projects: string[];
  streamModule: boolean;
}

export interface PublishResult {
  /** The configuration changed (a new generation is live). */
  changed: boolean;
  /** The running master was reloaded. */
  reloaded: boolean;
  /** The master was started. */
  started: boolean;
  generation: number | null;
  listen: ListenAddress;
  /** Time spent from taking the lock to serving (render, stage, `nginx -t`, swap, reload, confirm), in ms. */
  ms: number;
}

/** A project's files for the router's address (known only under the lock, when the router is set up). */
export type ProjectRenderer = (listen: ListenAddress) => ProjectFiles;

interface RouterRecord {
  version: 1;
  listen: string;
  reloads: number;
  starts: number;
  last_reload_ms: number | null;
}

/** Relative path in a generation ("projects/p.conf") → content. */
type Tree = Map<string, string>;

const GENERATIONS_KEPT = 3;
const LOCK_STALE_MS = 30_000;
/** How long a change waits for another one to finish (as the 600 retries of up to 100 ms did). */
const LOCK_WAIT_MS = 60_000;

export class Router {
  readonly dir: string;
  private readonly listenOption: ListenAddress | null;
  private readonly nginxPath: string | undefined;
  private readonly confirmTimeoutMs: number;
  private readonly stream: string | null;
  private readonly beforeValidate?: (stagedDir: string) => void | Promise<void>;

  constructor(opts: RouterOptions = {}) {
    this.dir = opts.dir ?? defaultRouterDir();
    this.listenOption = opts.listen ? parseListen(opts.listen) : null;
    this.nginxPath = opts.nginx;
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? 5_000;
    this.stream = opts.streamModule === undefined ? streamModule() : opts.streamModule;
    this.beforeValidate = opts.beforeValidate;
  }

  // ---------------------------------------------------------------- paths

  private get currentLink(): string {
    return join(this.dir, "current");
  }
  /** What the master is started with: resolved through the symlink at every reload. */
  get mainConfigPath(): string {
    return join(this.currentLink, "nginx.conf");
  }
  private get pidFile(): string {
    return join(this.dir, "nginx.pid");
  }
  private get errorLog(): string {
    return join(this.dir, "logs", "error.log");
  }
  private get recordFile(): string {
    return join(this.dir, "router.json");
  }
  private generationDir(n: number): string {
    return join(this.dir, "generations", String(n).padStart(6, "0"));
  }

  get hasStreamModule(): boolean {
    return this.stream !== null;
  }

  // ---------------------------------------------------------------- reading

  /** Where the router listens, or will when first started. */
  plannedListen(): ListenAddress {
    const recorded = this.readRecord()?.listen;
    return this.listenOption ?? (recorded ? parseListen(recorded) : parseListen(DEFAULT_LISTEN));
  }

  pid(): number | null {
    return livePid(this.pidFile, this.mainConfigPath);
  }

  /** A project's files in the live generation. */
  liveFiles(project: string): ProjectFiles {
    const current = this.currentGeneration();
    if (current === null) return { http: null, stream: null };
    const tree = this.readTree(current);
    return { http: tree.get(httpPath(project)) ?? null, stream: tree.get(streamPath(project)) ?? null };
  }

  /** State headers of every project in the live generation. */
  liveHeaders(): StateHeader[] {
    const current = this.currentGeneration();
    return current === null ? [] : headersOf(this.readTree(current));
  }

  async status(): Promise<RouterStatus> {
    const record = this.readRecord();
    const pid = this.pid();
    const current = this.currentGeneration();
    const listen = record ? parseListen(record.listen) : null;
    return {
      dir: this.dir,
      running: pid !== null,
      pid,
      listen: listen ? formatListen(listen) : null,
      generation: current,
      configHash: current === null ? null : this.hashOf(current),
      servingHash: pid !== null && listen ? await fetchStatus(listen, 1_000).catch(() => null) : null,
      reloads: record?.reloads ?? 0,
      starts: record?.starts ?? 0,
      lastReloadMs: record?.last_reload_ms ?? null,
      projects: current === null ? [] : headersOf(this.readTree(current)).map((h) => h.project),
      streamModule: this.stream !== null,
    };
  }

  // ---------------------------------------------------------------- changing

  /** Starts the router when it does not run (with its live configuration). */
  async ensure(log: (message: string) => void = () => {}): Promise<RouterStatus> {
    await this.locked(() => this.update(null, null, log, true));
    return this.status();
  }

  /**
   * Makes a project's files live: nothing happens when they are what runs already; otherwise a
   * new generation is checked, swapped in and confirmed, or the last known good one is restored
   * and E_ROUTER thrown with nginx's message. Starts the router when the project routes something.
   */
  publish(project: string, render: ProjectRenderer, log: (message: string) => void = () => {}): Promise<PublishResult> {
    checkProject(project);
    return this.locked(() => this.update(project, render, log, false));
  }

  private async update(project: string | null, render: ProjectRenderer | null, log: (m: string) => void, ensure: boolean): Promise<PublishResult> {
    const t0 = performance.now();
    nginxBinary(this.nginxPath);
    mkdirSync(join(this.dir, "logs"), { recursive: true });
    mkdirSync(join(this.dir, "temp"), { recursive: true });
    const record = this.readRecord();
    const pid = this.pid();
    const previous = this.currentGeneration();
    const tree: Tree = previous === null ? new Map() : this.readTree(previous);
    const listen = await this.decideListen(record, project, tree);

    let serveProject = false;
    let filesUnchanged = true;
    if (project !== null && render !== null) {
      const files = render(listen);
      serveProject = files.http !== null;
      filesUnchanged = tree.get(httpPath(project)) === (files.http ?? undefined) && tree.get(streamPath(project)) === (files.stream ?? undefined);
      setOrDelete(tree, httpPath(project), files.http);
      setOrDelete(tree, streamPath(project), files.stream);
      const mine = files.http === null ? null : parseProjectFiles(files);
      if (mine) checkClaims(project, claimsOf(mine.header), headersOf(tree), this.dir);
    }
    const mainInput = { listen, streamModule: this.stream };
    const hash = configHash(renderMainConfig(mainInput, ""), tree);
    const main = renderMainConfig(mainInput, hash);
    // The main file's hash covers what the files were when it was written; the project's own
    // files are compared as they are on disk, so a hand-deleted one is written again.
    const unchanged = previous !== null && filesUnchanged && readText(join(this.generationDir(previous), "nginx.conf")) === main;
    const wantRunning = pid !== null || ensure || serveProject;
    const result = (changed: boolean, reloaded: boolean, started: boolean, generation: number | null): PublishResult => ({
      changed,
      reloaded,
      started,
      generation,
      listen,
      ms: Math.round(performance.now() - t0),
    });

    if (unchanged) {
      if (pid !== null || !wantRunning) return result(false, false, false, previous);
      await this.start(listen, hash, log);
      this.saveRecord(listen, record, { started: true });
      return result(false, false, true, previous);
    }
    if (previous === null && tree.size === 0 && !wantRunning) return result(false, false, false, null);

    const generation = await this.stage(tree, main, hash);
    this.swap(generation);
    let reloadMs: number | undefined;
    try {
      if (pid !== null) reloadMs = await this.reload(pid, hash);
      else if (wantRunning) await this.start(listen, hash, log);
    } catch (e) {
      await this.restore(previous, pid);
      rmSync(this.generationDir(generation), { recursive: true, force: true });
      throw e instanceof UserError ? e : new UserError("E_ROUTER", `the router could not reload: ${(e as Error).message}; the last known good configuration serves`);
    }
    this.saveRecord(listen, record, { reloadMs, started: pid === null && wantRunning });
    this.prune(generation);
    return result(true, pid !== null, pid === null && wantRunning, generation);
  }

  /**
   * The router keeps the address it was first started with: every project's file names it.
   * A different --router-listen is refused while other projects use the router (with none, the
   * next generation simply listens elsewhere: a reload rebinds).
   */
  private async decideListen(record: RouterRecord | null, project: string | null, tree: Tree): Promise<ListenAddress> {
    const recorded = record ? parseListen(record.listen) : null;
    const wanted = this.listenOption ?? recorded;
    if (recorded && wanted && formatListen(wanted) !== formatListen(recorded)) {
      const others = headersOf(tree).filter((h) => h.project !== project && h.listen !== formatListen(wanted));
      if (others.length > 0) {
        throw new UserError(
          "E_ROUTER",
          `the router in ${this.dir} listens on ${formatListen(recorded)} for ${others.map((h) => `'${h.project}'`).join(", ")}, ` +
            `not ${formatListen(wanted)}: use that address, or another BERTH_ROUTER_DIR for a second router`,
        );
      }
    }
    if (wanted) return wanted;
    const fallback = parseListen(DEFAULT_LISTEN);
    return (await portFree(fallback)) ? fallback : { host: fallback.host, port: await freePort(fallback.host) };
  }

  /** Writes a complete generation and has nginx check it. */
  private async stage(tree: Tree, main: string, hash: string): Promise<number> {
    const generation = this.nextGeneration();
    const dir = this.generationDir(generation);
    mkdirSync(join(dir, "projects"), { recursive: true });
    mkdirSync(join(dir, "streams"), { recursive: true });
    for (const [path, text] of tree) writeFileSync(join(dir, path), text);
    writeFileSync(join(dir, "nginx.conf"), main);
    writeFileSync(join(dir, "config-hash"), `${hash}\n`);
    try {
      await this.beforeValidate?.(dir);
      await testConfig(nginxBinary(this.nginxPath), `${this.dir}/`, join(dir, "nginx.conf"));
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return generation;
  }

  /** Points `current` at a generation: a new symlink renamed over the old one, so readers see one or the other. */
  private swap(generation: number): void {
    const next = `${this.currentLink}.next`;
    rmSync(next, { force: true });
    symlinkSync(join("generations", String(generation).padStart(6, "0")), next);
    renameSync(next, this.currentLink);
  }

  /** Puts the last known good generation back and has the master serve it again. */
  private async restore(previous: number | null, pid: number | null): Promise<void> {
    if (previous === null) {
      rmSync(this.currentLink, { force: true });
      return;
    }
    this.swap(previous);
    if (pid === null || !isAlive(pid)) return;
    try {
      await this.reload(pid, this.hashOf(previous) ?? "");
    } catch {
      // The master keeps the configuration it had when it rejected the new one: nothing to add.
    }
  }

  /**
   * SIGHUP, then wait until only the new generation takes connections: its status location
   * answers the new hash, and every worker of the old one has been told to finish its requests
   * and stop accepting. nginx lets new workers settle 100 ms before it tells the old ones, so
   * this takes a little over 100 ms. Returns the time taken.
   */
  private async reload(pid: number, hash: string): Promise<number> {
    const offset = fileSize(this.errorLog);
    const oldWorkers = workerPids(pid);
    const t0 = performance.now();
    process.kill(pid, "SIGHUP");
    await this.confirm(hash, offset, pid, oldWorkers);
    return Math.round(performance.now() - t0);
  }

  private async start(listen: ListenAddress, hash: string, log: (m: string) => void): Promise<void> {
    const offset = fileSize(this.errorLog);
    const nginx = nginxBinary(this.nginxPath);
    rmSync(this.pidFile, { force: true });
    try {
      await startMaster(nginx, `${this.dir}/`, this.mainConfigPath, join(this.dir, "logs", "start.log"));
    } catch (e) {
      const hint = /Address already in use/.test((e as Error).message)
        ? `; another program uses ${formatListen(listen)}: set BERTH_ROUTER_LISTEN (or --router-listen) to a free address`
        : "";
      throw new UserError("E_ROUTER", `${(e as Error).message}${hint}`);
    }
    const pid = await this.waitForPid();
    await this.confirm(hash, offset, pid);
    log(`router: started nginx (pid ${pid}) listening on http://${formatListen(listen)} (router dir ${this.dir})`);
  }

  private async waitForPid(): Promise<number> {
    const deadline = performance.now() + 5_000;
    for (;;) {
      const pid = this.pid();
      if (pid !== null) return pid;
      if (performance.now() > deadline) throw new UserError("E_ROUTER", `the router started but wrote no pid file (${this.pidFile})`);
      await sleep(10);
    }
  }

  /**
   * Polls until the status location answers `hash` (the new generation's workers serve) and the
   * workers of the previous generation no longer accept (their listening sockets are closed).
   */
  private async confirm(hash: string, errorLogOffset: number, pid: number | null, oldWorkers: number[] = []): Promise<void> {
    const listen = this.plannedListenFromTree();
    const deadline = performance.now() + this.confirmTimeoutMs;
    let answered: string | null = null;
    let retiring = oldWorkers;
    for (;;) {
      if (emergLines(readFrom(this.errorLog, errorLogOffset))) {
        await this.settle(errorLogOffset);
        const failed = emergLines(readFrom(this.errorLog, errorLogOffset));
        throw new UserError("E_ROUTER", `nginx could not load the new router configuration:\n${failed}`);
      }
      if (pid !== null && !isAlive(pid)) throw new UserError("E_ROUTER", `the router's nginx master (pid ${pid}) exited`);
      if (answered !== hash) answered = await fetchStatus(listen, 500).catch(() => null);
      retiring = retiring.filter((w) => !isRetired(w));
      if (answered === hash && retiring.length === 0) {
        // nginx retitles a worker just before it closes its listening sockets: leave it that moment.
        if (oldWorkers.length > 0) await sleep(5);
        return;
      }
      if (performance.now() > deadline) break;
      await sleep(5);
    }
    const waitingFor = answered !== hash ? `status answered ${answered === null ? "nothing" : `'${answered}'`}, expected '${hash}'` : `old workers ${retiring.join(", ")} still accept`;
    throw new UserError("E_ROUTER", `the router did not serve the new configuration within ${this.confirmTimeoutMs} ms (${waitingFor})`);
  }

  /**
   * After a refused reload, waits until the master is done with it: a port it cannot bind is
   * tried five times, 500 ms apart, before nginx gives up and keeps the old configuration. Only
   * then can the last known good one be reloaded (and its confirmation trust the error log).
   */
  private async settle(errorLogOffset: number): Promise<void> {
    const deadline = performance.now() + this.confirmTimeoutMs;
    let size = fileSize(this.errorLog);
    let quietSince = performance.now();
    while (performance.now() < deadline) {
      if (readFrom(this.errorLog, errorLogOffset).includes("still could not bind()")) return;
      await sleep(50);
      const now = fileSize(this.errorLog);
      if (now !== size) [size, quietSince] = [now, performance.now()];
      else if (performance.now() - quietSince > 700) return;
    }
  }

  /** The listen address written in the live main file (what the master binds). */
  private plannedListenFromTree(): ListenAddress {
    const text = readText(this.mainConfigPath) ?? "";
    const m = /listen (\d+\.\d+\.\d+\.\d+:\d+) default_server;/.exec(text);
    return m ? parseListen(m[1]) : this.plannedListen();
  }

  // ---------------------------------------------------------------- bookkeeping

  private currentGeneration(): number | null {
    try {
      const n = Number(readlinkSync(this.currentLink).split("/").pop());
      return Number.isInteger(n) ? n : null;
    } catch {
      return null;
    }
  }

  private generations(): number[] {
    const dir = join(this.dir, "generations");
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  }

  private nextGeneration(): number {
    return Math.max(0, ...this.generations()) + 1;
  }

  /** Keeps the live generation and the ones just before it (the last known good); drops leftovers of failed changes. */
  private prune(current: number): void {
    const all = this.generations();
    const older = all.filter((n) => n < current);
    const dropped = [...older.slice(0, Math.max(0, older.length - (GENERATIONS_KEPT - 1))), ...all.filter((n) => n > current)];
    for (const n of dropped) rmSync(this.generationDir(n), { recursive: true, force: true });
  }

  private hashOf(generation: number): string | null {
    return readText(join(this.generationDir(generation), "config-hash"))?.trim() ?? null;
  }

  private readTree(generation: number): Tree {
    const tree: Tree = new Map();
    for (const folder of ["projects", "streams"]) {
      const dir = join(this.generationDir(generation), folder);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort()) {
        if (name.endsWith(".conf")) tree.set(`${folder}/${name}`, readFileSync(join(dir, name), "utf8"));
      }
    }
    return tree;
  }

  private readRecord(): RouterRecord | null {
    try {
      const record = JSON.parse(readFileSync(this.recordFile, "utf8")) as RouterRecord;
      return record.version === 1 && typeof record.listen === "string" ? record : null;
    } catch {
      return null;
    }
  }

  private saveRecord(listen: ListenAddress, previous: RouterRecord | null, event: { reloadMs?: number; started?: boolean }): void {
    const record: RouterRecord = {
      version: 1,
      listen: formatListen(listen),
      reloads: (previous?.reloads ?? 0) + (event.reloadMs !== undefined ? 1 : 0),
      starts: (previous?.starts ?? 0) + (event.started ? 1 : 0),
      last_reload_ms: event.reloadMs ?? previous?.last_reload_ms ?? null,
    };
    const tmp = `${this.recordFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
    renameSync(tmp, this.recordFile);
  }

  /**
   * One change at a time across processes (two projects applying at once). The holder's pid is
   * kept beside the lock, so a lock left by a process killed mid-change (kill -9) is taken over
   * at once rather than blocking every project on this router until it goes stale.
   */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    const release = await this.acquireLock();
    try {
      return await fn();
    } finally {
      rmSync(this.lockHolderFile, { force: true });
      await release().catch(() => {});
    }
  }

  private get lockHolderFile(): string {
    return join(this.dir, "router.lock.pid");
  }

  private async acquireLock(): Promise<() => Promise<void>> {
    const lockPath = join(this.dir, "router.lock");
    const deadline = performance.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const release = await lockfile.lock(this.dir, {
          lockfilePath: lockPath,
          realpath: false,
          stale: LOCK_STALE_MS,
          update: LOCK_STALE_MS / 3,
          retries: 0,
          // A lock found stale is reported here; the change in hand finishes all the same.
          onCompromised: () => {},
        });
        writeFileSync(this.lockHolderFile, `${process.pid} ${hostname()}\n`);
        return release;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw e;
      }
      const holder = this.readLockHolder();
      if (holder !== null && holder.host === hostname() && isGone(holder.pid)) {
        // Re-read just before removing: someone may have taken it over meanwhile.
        const again = this.readLockHolder();
        if (again !== null && again.pid === holder.pid) {
          rmSync(this.lockHolderFile, { force: true });
          rmSync(lockPath, { recursive: true, force: true });
          continue;
        }
      }
      if (performance.now() > deadline) {
        throw new UserError("E_ROUTER", `the router at ${this.dir} stays locked by another change${holder ? ` (pid ${holder.pid})` : ""}; try again`);
      }
      await sleep(50 + Math.random() * 50);
    }
  }

  private readLockHolder(): { pid: number; host: string } | null {
    try {
      const [pid, host] = readFileSync(this.lockHolderFile, "utf8").trim().split(" ");
      return Number.isInteger(Number(pid)) && Number(pid) > 0 && host ? { pid: Number(pid), host } : null;
    } catch {
      return null;
    }
  }
}

// ------------------------------------------------------------------ helpers

/** No such process (a zombie counts as gone); EPERM means it exists under another user. */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isAlive(pid);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export function httpPath(project: string): string {
  return `projects/${checkProject(project)}.conf`;
}

export function streamPath(project: string): string {
  return `streams/${checkProject(project)}.conf`;
}

function headersOf(tree: Tree): StateHeader[] {
  const headers: StateHeader[] = [];
  for (const [path, http] of tree) {
    const m = /^projects\/(.+)\.conf$/.exec(path);
    if (!m) continue;
    const live = parseProjectFiles({ http, stream: tree.get(`streams/${m[1]}.conf`) ?? null });
    if (live) headers.push(live.header);
  }
  return headers;
}

/** Hash of a whole generation: the main file (without its hash) and every include, by path. */
function configHash(mainWithoutHash: string, tree: Tree): string {
  const parts = [mainWithoutHash, ...[...tree.keys()].sort().map((path) => `${path}\n${tree.get(path)}`)];
  return sha256(parts.join("\0")).slice(0, 16);
}

function setOrDelete(tree: Tree, path: string, text: string | null): void {
  if (text === null) tree.delete(path);
  else tree.set(path, text);
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** What was appended to a file since `offset` (the error log since a reload began). */
function readFrom(path: string, offset: number): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return "";
  }
  try {
    const length = Math.max(0, fstatSync(fd).size - offset);
    const buffer = Buffer.alloc(Math.min(length, 1 << 20));
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** nginx's [emerg] lines: a reload it refused (a port taken, a certificate unreadable) while the old workers go on. */
function emergLines(log: string): string | null {
  const lines = log.split("\n").filter((l) => l.includes("[emerg]"));
  return lines.length > 0 ? nginxMessage(lines.join("\n")) : null;
}

/** The status location's answer: the configuration hash of the generation that served it. */
export function fetchStatus(listen: ListenAddress, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: listen.host, port: listen.port, path: STATUS_PATH, headers: { Host: STATUS_HOST }, agent: false, timeout: timeoutMs },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`status ${res.statusCode}`))));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

function portFree(listen: ListenAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(listen.port, listen.host, () => server.close(() => resolve(true)));
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
