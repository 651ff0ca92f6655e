import { hostname } from "node:os";
import type { Lease } from "etcd3";
import { UserError } from "../../src/core/errors.js";
import { EtcdConnection, type EtcdTls } from "../../src/clients/etcd.js";
import type { LockHolder, StateBackend, StateFile, StateLock } from "../backend.js";
import { isDeadOnThisHost } from "../lock-holder.js";
import { parseState, serializeState } from "../new-state.js";

export interface EtcdStateBackendOptions {
  /** e.g. ["http://127.0.0.1:2379"] */
  endpoints: string[];
  /** Key prefix under which this project's state lives (no leading slash). */
  prefix: string;
  project: string;
  /** undefined: BERTH_ETCD_CA / BERTH_ETCD_CERT / BERTH_ETCD_KEY; null: plain. */
  tls?: EtcdTls | null;
  /** Seconds the lock outlives a holder that died (its lease is no longer kept alive). */
  lockTtlSeconds?: number;
}

const DEFAULT_LOCK_TTL_SECONDS = 15;

/**
 * The state as one etcd key, `/<prefix>/state/<project>`, with the previous version at
 * `.../backup`. A write is a transaction that compares the key's mod revision with the one
 * whose serial was checked, so of several writers with the same expected serial exactly one
 * wins. The lock is `/<prefix>/lock/<project>`, created only if absent and attached to a
 * lease the holder keeps alive: when the holder dies the lease expires and the lock goes.
 */
export class EtcdStateBackend implements StateBackend {
  readonly location: string;
  private readonly etcd: EtcdConnection;
  private readonly stateKey: string;
  private readonly backupKey: string;
  private readonly lockKey: string;
  private readonly lockTtlSeconds: number;

  constructor(options: EtcdStateBackendOptions) {
    this.location = `etcd://${options.endpoints.map((e) => e.replace(/^https?:\/\//, "")).join(",")}/${options.prefix}`;
    this.etcd = new EtcdConnection({ endpoints: options.endpoints, tls: options.tls });
    const root = `/${options.prefix.replace(/^\/+|\/+$/g, "")}`;
    this.stateKey = `${root}/state/${options.project}`;
    this.backupKey = `${this.stateKey}/backup`;
    this.lockKey = `${root}/lock/${options.project}`;
    this.lockTtlSeconds = options.lockTtlSeconds ?? DEFAULT_LOCK_TTL_SECONDS;
  }

  async read(): Promise<StateFile | null> {
    const current = await this.readCurrent();
    return current === null ? null : this.parse(current.text);
  }

  async write(next: StateFile, expectedSerial: number): Promise<void> {
    if (next.serial !== expectedSerial + 1) {
      throw new Error(`bug: writing state serial ${next.serial} over expected serial ${expectedSerial}`);
    }
    const text = serializeState(next);
    const current = await this.readCurrent();
    const currentSerial = current === null ? 0 : this.parse(current.text).serial;
    if (currentSerial !== expectedSerial) throw this.movedError(expectedSerial, currentSerial);
    const committed = await this.etcd.run(`writing ${this.stateKey}`, (c) =>
      current === null
        ? c.if(this.stateKey, "Create", "==", 0).then(c.put(this.stateKey).value(text)).commit()
        : c
            .if(this.stateKey, "Mod", "==", current.modRevision)
            .then(c.put(this.stateKey).value(text), c.put(this.backupKey).value(current.text))
            .commit(),
    );
    if (!committed.succeeded) {
      const now = await this.readCurrent();
      throw this.movedError(expectedSerial, now === null ? 0 : this.parse(now.text).serial);
    }
  }

  async lock(command: string, mayBreakDeadHolder = true): Promise<StateLock> {
    const client = await this.etcd.client();
    const lease = client.lease(this.lockTtlSeconds);
    // A lost lease means a lost lock; the serial compare-and-swap in write() still keeps the state safe.
    lease.on("lost", () => {});
    const holder: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
    let taken: boolean;
    let heldBy: string | null = null;
    try {
      const leaseId = await this.etcd.run("granting the lock's lease", () => lease.grant());
      const result = await this.etcd.run(`taking ${this.lockKey}`, (c) =>
        c
          .if(this.lockKey, "Create", "==", 0)
          .then(c.put(this.lockKey).value(JSON.stringify(holder)).lease(leaseId))
          .else(c.get(this.lockKey))
          .commit(),
      );
      taken = result.succeeded;
      if (!taken) heldBy = result.responses[0]?.response_range?.kvs[0]?.value.toString() ?? null;
    } catch (e) {
      await this.revoke(lease);
      throw e;
    }
    if (!taken) {
      await this.revoke(lease);
      const holder = heldBy === null ? null : parseHolder(heldBy);
      // A holder killed on this host left a lease etcd keeps alive for its TTL (and renews in
      // full when etcd itself restarts): take the lock over, unless someone replaced it meanwhile.
      if (mayBreakDeadHolder && heldBy !== null && holder !== null && isDeadOnThisHost(holder)) {
        await this.etcd.run(`breaking ${this.lockKey}`, (c) =>
          c.if(this.lockKey, "Value", "==", heldBy!).then(c.delete().key(this.lockKey)).commit(),
        );
        return this.lock(command, false);
      }
      throw this.lockedError(holder);
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        // The key is attached to the lease: revoking it removes the lock, and nobody else's.
        await this.revoke(lease);
      },
    };
  }

  async close(): Promise<void> {
    await this.etcd.close();
  }

  private async readCurrent(): Promise<{ text: string; modRevision: string } | null> {
    const res = await this.etcd.run(`reading ${this.stateKey}`, (c) => c.get(this.stateKey).exec());
    const kv = res.kvs[0];
    return kv ? { text: kv.value.toString(), modRevision: String(kv.mod_revision) } : null;
  }

  /** Revoking a lease that etcd already dropped (expired, revoked by an operator) is not an error for the releaser. */
  private async revoke(lease: Lease): Promise<void> {
    try {
      await this.etcd.run("revoking the lock's lease", () => lease.revoke());
    } catch (e) {
      if (this.etcd.isUnreachable(e)) throw e;
      if (!/lease not found|requested lease not found/i.test((e as Error).message)) throw e;
    }
  }

  private parse(text: string): StateFile {
    const result = parseState(text);
    if ("state" in result) return result.state;
    throw new UserError(
      "E_STATE_CORRUPT",
      `state at ${this.location} (key ${this.stateKey}) is corrupt: ${result.problem}. The previous state is kept in ` +
        `${this.backupKey}; check it and copy it over ${this.stateKey} to restore it`,
    );
  }

  private movedError(expectedSerial: number, foundSerial: number): UserError {
    return new UserError(
      "E_STATE_MOVED",
      `state at ${this.location} moved: expected serial ${expectedSerial}, found ${foundSerial} ` +
        `(someone else changed it meanwhile); run the plan again`,
    );
  }

  private lockedError(holder: LockHolder | null): UserError {
    const who =
      holder === null
        ? "another process"
        : `pid ${holder.pid} on host ${holder.host} (${JSON.stringify(holder.command)}) since ${holder.since}`;
    return new UserError(
      "E_STATE_LOCKED",
      `state is locked by ${who}; the lock is tied to an etcd lease and goes ${this.lockTtlSeconds} s after its holder stops, ` +
        `or delete ${this.lockKey} if no such process runs`,
    );
  }
}

/** The holder as the lock's value names it; null for a value that is not one (written by something else). */
function parseHolder(text: string): LockHolder | null {
  let value: Partial<Record<keyof LockHolder, unknown>> | null;
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    return null;
  }
  if (!value || !Number.isInteger(value.pid) || typeof value.host !== "string") return null;
  return { pid: value.pid as number, host: value.host, command: String(value.command ?? "?"), since: String(value.since ?? "?") };
}
