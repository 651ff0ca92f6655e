import { setTimeout as sleep } from "node:timers/promises";
import type { IWatchResponse, Watcher } from "etcd3";
import { type EtcdConnection, readPrefix } from "../../src/clients/etcd.js";

export interface MirrorSnapshot {
  /** key → value of every key under the prefix. */
  kvs: ReadonlyMap<string, string>;
  revision: number;
}

export interface PrefixMirrorOptions {
  prefix: string;
  /** Called with every new snapshot, one call at a time (the next waits for the previous). */
  onSnapshot(snapshot: MirrorSnapshot): void | Promise<void>;
  /** Connection trouble, compaction, resyncs: for the log. */
  log?(message: string): void;
  /** Read everything again this often even when the watch is quiet (a safety net); 0: never. */
  resyncMs?: number;
  /** First and last wait between attempts while etcd is away. */
  backoffMs?: { initial: number; max: number };
}

type WatchEnd = "canceled" | "disconnected" | "resync" | "stopped";

/**
 * A live copy of every key under a prefix: read them all at revision R, watch from R + 1 and
 * apply each event. When the watch cannot continue from where it was (the revision was
 * compacted away, etcd canceled it) everything is read again; when etcd goes away, it retries
 * with a back-off (250 ms doubling to 5 s) and the last snapshot stays what callers have.
 */
export class PrefixMirror {
  private readonly kvs = new Map<string, string>();
  private stopped = false;
  private stopWaiting: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private delivering: Promise<void> = Promise.resolve();
  private readonly backoff: { initial: number; max: number };

  constructor(
    private readonly etcd: EtcdConnection,
    private readonly opts: PrefixMirrorOptions,
  ) {
    this.backoff = opts.backoffMs ?? { initial: 250, max: 5_000 };
  }

  /**
   * Starts mirroring. Resolves once the first snapshot was delivered, or rejects with the
   * first read's error (callers decide whether to retry or give up); mirroring then goes on
   * until stop().
   */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      let first = true;
      this.loop = this.run((error) => {
        if (!first) return;
        first = false;
        if (error) reject(error);
        else resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWaiting?.();
    await this.loop;
    await this.delivering;
  }

  private async run(firstResult: (error?: unknown) => void): Promise<void> {
    let delay = this.backoff.initial;
    let reported = false;
    while (!this.stopped) {
      let end: WatchEnd;
      try {
        const { kvs, revision } = await readPrefix(this.etcd, this.opts.prefix, `reading ${this.opts.prefix}`);
        if (reported) this.opts.log?.(`etcd answers again at ${this.etcd.location}`);
        reported = false;
        delay = this.backoff.initial;
        this.kvs.clear();
        for (const kv of kvs) this.kvs.set(kv.key, kv.value);
        await this.deliver(revision);
        firstResult();
        end = await this.watchFrom(revision + 1);
      } catch (e) {
        firstResult(e);
        if (!reported) this.opts.log?.(`${(e as Error).message}; retrying`);
        reported = true;
        end = "disconnected";
      }
      if (end === "canceled") this.opts.log?.(`the watch on ${this.opts.prefix} was canceled (compacted?); reading everything again`);
      if (end === "disconnected" && !this.stopped) {
        await this.pause(delay);
        delay = Math.min(delay * 2, this.backoff.max);
      }
    }
  }

  /** Watches until something ends the watch; applies each response to the copy and delivers it. */
  private async watchFrom(startRevision: number): Promise<WatchEnd> {
    const client = await this.etcd.client();
    let finish!: (end: WatchEnd) => void;
    const ended = new Promise<WatchEnd>((resolve) => (finish = resolve));
    let watcher: Watcher | null = null;
    // After "error" or "end" etcd has already dropped the watch: canceling it again would wait forever.
    let dropped = false;
    this.stopWaiting = () => finish("stopped");
    const resync = this.opts.resyncMs ? setTimeout(() => finish("resync"), this.opts.resyncMs) : undefined;
    try {
      watcher = client.watch().prefix(this.opts.prefix).startRevision(String(startRevision)).watcher();
      watcher
        .on("data", (res: IWatchResponse) => {
          if (res.events.length === 0) return;
          for (const ev of res.events) {
            const key = ev.kv.key.toString();
            if (ev.type === "Put") this.kvs.set(key, ev.kv.value.toString());
            else this.kvs.delete(key);
          }
          void this.deliver(Number(res.header.revision));
        })
        .on("error", () => {
          dropped = true;
          finish("canceled");
        })
        .on("end", () => {
          dropped = true;
          finish("canceled");
        })
        .on("disconnected", () => finish("disconnected"));
      if (this.stopped) finish("stopped");
      return await ended;
    } finally {
      clearTimeout(resync);
      this.stopWaiting = null;
      // While disconnected this only forgets the watcher: the client must not resume it on its own.
      if (watcher && !dropped) await Promise.race([watcher.cancel().catch(() => {}), sleep(1_000)]);
    }
  }

  /** Hands a copy of the current keys to onSnapshot, after the previous delivery finished. */
  private deliver(revision: number): Promise<void> {
    const snapshot: MirrorSnapshot = { kvs: new Map(this.kvs), revision };
    this.delivering = this.delivering.then(async () => {
      try {
        await this.opts.onSnapshot(snapshot);
      } catch (e) {
        this.opts.log?.(`error while handling a change: ${(e as Error).message}`);
      }
    });
    return this.delivering;
  }

  private async pause(ms: number): Promise<void> {
    const wake = new Promise<void>((resolve) => (this.stopWaiting = resolve));
    await Promise.race([sleep(ms), wake]);
    this.stopWaiting = null;
  }
}
