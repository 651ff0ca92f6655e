import { execFile } from "node:child_process";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { UserError } from "../../src/core/errors.js";
import { type EtcdConnection, readPrefix } from "../../src/clients/etcd.js";
import { PrefixMirror } from "./prefix-mirror.js";
import { serviceKey } from "./records.js";
import { renderUpstreamTemplate, upstreamServers } from "./upstream-template.js";

export interface SyncOptions {
  etcd: EtcdConnection;
  /** "<project>_<service>" */
  serviceId: string;
  /** The user's nginx template with ${upstreamServers} (and ${serviceName}). */
  templateFile: string;
  /** The file nginx reads: replaced atomically (rename) once the new text is valid. */
  outFile: string;
  /** Container port to route to; default: the service's routed port, else the one a container publishes. */
  port?: number | null;
  /** Address the published ports are reached on. */
  upstreamHost?: string;
  /** nginx binary for validation and reload (default BERTH_NGINX, else /usr/sbin/nginx). */
  nginx?: string;
  /**
   * nginx's main configuration, whose include names outFile: validation is then
   * `nginx -t -c MAIN` with the new file in place (rolled back when rejected) and reload is
   * `nginx -s reload -c MAIN`. Without it the rendered text is validated on its own.
   */
  nginxConf?: string | null;
  /** Replaces the validation: a shell command run with the new file in place; non-zero exit rolls it back. */
  validateCmd?: string | null;
  /** Shell command that reloads nginx. */
  reloadCmd?: string | null;
  /** nginx's pid file: reload by SIGHUP. */
  nginxPidFile?: string | null;
  /** Full read every this many seconds as a safety net (0: never). */
  resyncSeconds?: number;
  log(message: string): void;
  /** Called after each configuration that was put in place (tests and figures). */
  onUpdate?(update: SyncUpdate): void;
}

export interface SyncUpdate {
  servers: string[];
  /** Whether nginx was told to reload. */
  reloaded: boolean;
}

export type SyncOutcome = "updated" | "unchanged" | "rejected";

/**
 * `berth sync`: the article's serviceSync.py done as a watch instead of a 60 s poll. Each change
 * under the service's keys renders the template; an unchanged result does nothing; a changed one
 * is validated by nginx, swapped in by rename, and nginx is reloaded. A rejected configuration,
 * or etcd going away, leaves the last good one serving.
 */
export class ServiceSync {
  private mirror: PrefixMirror | null = null;
  /** Text of outFile as nginx last accepted it (null: unknown, write the next render). */
  private current: string | null = null;
  private readonly nginx: string;

  constructor(private readonly opts: SyncOptions) {
    this.nginx = opts.nginx ?? (process.env.BERTH_NGINX || "/usr/sbin/nginx");
  }

  /** One read, one render: `--once`. Throws when nginx rejects the result. */
  async once(): Promise<SyncOutcome> {
    await this.loadCurrent();
    const { kvs } = await readPrefix(this.opts.etcd, serviceKey(this.opts.serviceId), `reading ${serviceKey(this.opts.serviceId)}`);
    const outcome = await this.renderAndSwap(kvs.map((kv) => [kv.key, kv.value] as const));
    if (outcome === "rejected") throw new UserError("E_SYNC_REJECTED", `nginx rejected the configuration rendered for ${this.opts.serviceId}; ${this.opts.outFile} was left as it was`);
    return outcome;
  }

  /** Renders now and after every change until stop(). Resolves after the first render (or when etcd cannot be read yet: it keeps trying). */
  async start(): Promise<void> {
    await this.loadCurrent();
    this.mirror = new PrefixMirror(this.opts.etcd, {
      prefix: serviceKey(this.opts.serviceId),
      resyncMs: (this.opts.resyncSeconds ?? 60) * 1000,
      log: this.opts.log,
      onSnapshot: async ({ kvs }) => {
        await this.renderAndSwap(kvs);
      },
    });
    await this.mirror.start().catch((e: Error) => this.opts.log(`${e.message}; keeping ${this.opts.outFile} as it is until etcd answers`));
  }

  async stop(): Promise<void> {
    await this.mirror?.stop();
  }

  private async loadCurrent(): Promise<void> {
    this.current = await readFile(this.opts.outFile, "utf8").catch(() => null);
  }

  private async renderAndSwap(kvs: Iterable<readonly [string, string]>): Promise<SyncOutcome> {
    const { lines, problems } = upstreamServers(this.opts.serviceId, kvs, { port: this.opts.port ?? null, host: this.opts.upstreamHost ?? "127.0.0.1" });
    for (const p of problems) this.opts.log(`${this.opts.serviceId}: ${p}; left out`);
    const template = await readFile(this.opts.templateFile, "utf8").catch((e: Error) => {
      throw new UserError("E_SYNC_TEMPLATE", `cannot read the template ${this.opts.templateFile}: ${e.message}`);
    });
    const text = renderUpstreamTemplate(template, { upstreamServers: lines, serviceName: this.opts.serviceId });
    if (text === this.current) return "unchanged";
    const accepted = this.opts.nginxConf || this.opts.validateCmd ? await this.swapThenValidate(text) : await this.validateThenSwap(text);
    if (!accepted) return "rejected";
    const reloaded = await this.reload();
    // A failed reload leaves nginx on the old file: forget the text so the next round tries again.
    this.current = reloaded === false ? null : text;
    this.opts.log(`${this.opts.outFile}: ${lines.length} upstream server${lines.length === 1 ? "" : "s"}${reloaded ? ", nginx reloaded" : ""}`);
    this.opts.onUpdate?.({ servers: lines, reloaded: reloaded === true });
    return "updated";
  }

  /** Without nginx's main file: check the text alone (wrapped in a minimal nginx.conf when it is an include), then rename it in. */
  private async validateThenSwap(text: string): Promise<boolean> {
    const staged = await this.stage(text);
    const scratch = await mkdtemp(path.join(tmpdir(), "berth-sync-"));
    try {
      const isMain = /^\s*events\s*\{/m.test(text);
      let conf = staged;
      if (!isMain) {
        conf = path.join(scratch, "nginx.conf");
        await writeFile(
          conf,
          `pid ${scratch}/nginx.pid;\nerror_log ${scratch}/error.log;\nevents {}\nhttp {\n    include ${staged};\n}\n`,
        );
      }
      const problem = await run(this.nginx, ["-t", "-q", "-p", `${scratch}/`, "-e", `${scratch}/error.log`, "-c", conf]);
      if (problem !== null) {
        this.opts.log(`nginx rejected the rendered configuration; ${this.opts.outFile} stays as it was:\n${problem}`);
        await rm(staged, { force: true });
        return false;
      }
      await rename(staged, this.opts.outFile);
      return true;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /**
   * With nginx's main file: put the new text in place, run `nginx -t -c MAIN` (or
   * --validate-cmd), and put the previous text back when it is rejected. nginx reads its files
   * only when told to reload, so the serving configuration never sees a rejected one.
   */
  private async swapThenValidate(text: string): Promise<boolean> {
    const previous = await readFile(this.opts.outFile, "utf8").catch(() => null);
    await rename(await this.stage(text), this.opts.outFile);
    const problem = this.opts.validateCmd
      ? await run("/bin/sh", ["-c", this.opts.validateCmd])
      : await run(this.nginx, ["-t", "-q", "-c", this.opts.nginxConf!]);
    if (problem === null) return true;
    if (previous === null) await rm(this.opts.outFile, { force: true });
    else await rename(await this.stage(previous), this.opts.outFile);
    this.opts.log(`nginx rejected the rendered configuration; ${this.opts.outFile} was put back as it was:\n${problem}`);
    return false;
  }

  /** The text in a file beside outFile (same file system: rename is atomic). */
  private async stage(text: string): Promise<string> {
    const staged = path.join(path.dirname(this.opts.outFile), `.${path.basename(this.opts.outFile)}.berth-sync-${process.pid}`);
    await writeFile(staged, text, { flush: true });
    return staged;
  }

  /** true: reloaded; false: reload failed; null: nothing to reload configured. */
  private async reload(): Promise<boolean | null> {
    let problem: string | null;
    if (this.opts.reloadCmd) problem = await run("/bin/sh", ["-c", this.opts.reloadCmd]);
    else if (this.opts.nginxPidFile) problem = await signalPidFile(this.opts.nginxPidFile);
    else if (this.opts.nginxConf) problem = await run(this.nginx, ["-s", "reload", "-c", this.opts.nginxConf]);
    else return null;
    if (problem !== null) this.opts.log(`reloading nginx failed: ${problem}`);
    return problem === null;
  }
}

/** null when the command succeeded, else what it printed (or why it could not run). */
function run(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(null);
      const output = `${stdout}${stderr}`.trim();
      resolve(output || error.message);
    });
  });
}

async function signalPidFile(pidFile: string): Promise<string | null> {
  const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
  if (!Number.isInteger(pid) || pid <= 1) return `no nginx pid in ${pidFile}`;
  try {
    process.kill(pid, "SIGHUP");
    return null;
  } catch (e) {
    return `cannot signal pid ${pid} from ${pidFile}: ${(e as Error).message}`;
  }
}
