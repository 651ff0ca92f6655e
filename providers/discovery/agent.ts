import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import type { Lease } from "etcd3";
import { LABEL_PROJECT, LABEL_SERVICE } from "../docker/attributes.js";
import { engineStatus, withEngine } from "../docker/client.js";
import { entryFromInspect, labelsOf } from "./container-entries.js";
import { type EtcdConnection, readPrefix } from "./etcd.js";
import { SERVICES_ROOT, containerKey, parseContainerEntry, parseKey, serializeRecord, serviceId } from "./records.js";

export interface AgentOptions {
  etcd: EtcdConnection;
  docker: Docker;
  project: string;
  /** Lease TTL: how long the entries outlive an agent that died without revoking it. */
  ttlSeconds?: number;
  /** The machine's name in entries (default: os.hostname()). */
  node?: string;
  log(message: string): void;
}

/** Docker events that change what an entry says. */
const EVENTS = ["start", "stop", "die", "health_status", "destroy"];
const BACKOFF = { initial: 250, max: 5_000 };

interface DockerEvent {
  Type?: string;
  Action?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/**
 * `berth agent`: keeps `/berth/services/<project>_<service>/containers/<id>` current for one
 * project's containers on this machine. It listens to Docker's events, inspects the container
 * an event names and writes its entry under the agent's lease (or deletes it on destroy).
 * Entries expire TTL seconds after the agent dies; stop() revokes the lease, so a stopped
 * agent's entries go at once.
 *
 * Work is coalesced: events only mark containers dirty, one worker brings each dirty
 * container's entry up to date from what the engine says now, so event order and bursts do
 * not matter. Any failure (etcd or Docker away, lease lost) schedules a full sync with
 * back-off.
 */
export class DiscoveryAgent {
  private readonly ttlSeconds: number;
  private readonly node: string;
  private lease: Lease | null = null;
  private events: Readable | null = null;
  private stopped = false;
  private fullSyncWanted = true;
  private readonly dirty = new Set<string>();
  /** container id → service, from labels seen in events and syncs (a destroyed container cannot be inspected). */
  private readonly serviceOf = new Map<string, string>();
  private worker: Promise<void> | null = null;
  private eventLoop: Promise<void> | null = null;
  private wakeWorker: (() => void) | null = null;
  /** Aborted by stop(): ends back-off waits at once. */
  private readonly stopping = new AbortController();

  constructor(private readonly opts: AgentOptions) {
    this.ttlSeconds = opts.ttlSeconds ?? 30;
    this.node = opts.node ?? hostname();
  }

  /** Subscribes to events, then writes every container once. Rejects when Docker or etcd does not answer. */
  async start(): Promise<void> {
    // Subscribe first: an event during the first full sync is then not lost.
    this.events = await this.openEvents();
    await this.ensureLease();
    await this.fullSync();
    this.fullSyncWanted = false;
    this.eventLoop = this.followEvents(this.events);
    this.worker = this.work();
  }

  /** Stops listening, finishes the work in hand and revokes the lease (the entries go with it). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.events?.destroy();
    this.wakeWorker?.();
    await Promise.all([this.eventLoop, this.worker]);
    const lease = this.lease;
    this.lease = null;
    if (lease) await this.opts.etcd.run("revoking the agent's lease", () => lease.revoke()).catch((e: Error) => this.opts.log(e.message));
  }

  // ------------------------------------------------------------------ events

  private openEvents(): Promise<Readable> {
    const { docker, project } = this.opts;
    return withEngine(docker, async () =>
      (await docker.getEvents({
        filters: { type: ["container"], label: [`${LABEL_PROJECT}=${project}`], event: EVENTS },
      } as Docker.GetEventsOptions)) as unknown as Readable,
    );
  }

  /** Reads the event stream; when it breaks (dockerd restarted), reconnects and syncs everything. */
  private async followEvents(first: Readable): Promise<void> {
    let stream: Readable | null = first;
    let delay = BACKOFF.initial;
    while (!this.stopped) {
      if (stream) {
        await this.consume(stream);
        if (this.stopped) break;
        this.opts.log("the Docker event stream ended; reconnecting");
      }
      try {
        stream = await this.openEvents();
        this.events = stream;
        delay = BACKOFF.initial;
        // Events between the break and now are lost: look at everything.
        this.requestFullSync();
      } catch (e) {
        stream = null;
        this.opts.log(`${(e as Error).message}; retrying in ${delay} ms`);
        await this.pause(delay);
        delay = Math.min(delay * 2, BACKOFF.max);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => {});
  }

  private consume(stream: Readable): Promise<void> {
    return new Promise((resolve) => {
      let buffered = "";
      stream.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) this.onEvent(line);
        }
      });
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", () => resolve());
    });
  }

  private onEvent(line: string): void {
    let event: DockerEvent;
    try {
      event = JSON.parse(line) as DockerEvent;
    } catch {
      return;
    }
    const id = event.Actor?.ID ?? event.id;
    if (!id || event.Type !== "container") return;
    const service = event.Actor?.Attributes?.[LABEL_SERVICE];
    if (service) this.serviceOf.set(id, service);
    this.dirty.add(id);
    this.wakeWorker?.();
  }

  // ------------------------------------------------------------------ work

  private requestFullSync(): void {
    this.fullSyncWanted = true;
    this.wakeWorker?.();
  }

  private async work(): Promise<void> {
    let delay = BACKOFF.initial;
    while (!this.stopped) {
      if (!this.fullSyncWanted && this.dirty.size === 0) {
        await new Promise<void>((resolve) => (this.wakeWorker = resolve));
        this.wakeWorker = null;
        continue;
      }
      try {
        await this.ensureLease();
        if (this.fullSyncWanted) {
          this.fullSyncWanted = false;
          this.dirty.clear();
          await this.fullSync();
        } else {
          const ids = [...this.dirty];
          this.dirty.clear();
          for (const id of ids) await this.syncOne(id);
        }
        delay = BACKOFF.initial;
      } catch (e) {
        // Whatever was in hand is unknown now: the next round looks at everything.
        this.fullSyncWanted = true;
        this.opts.log(`${(e as Error).message}; retrying in ${delay} ms`);
        await this.pause(delay);
        delay = Math.min(delay * 2, BACKOFF.max);
      }
    }
  }

  private async ensureLease(): Promise<Lease> {
    if (this.lease && !this.lease.revoked()) return this.lease;
    const client = await this.opts.etcd.client();
    const lease = client.lease(this.ttlSeconds);
    lease.on("lost", (e: Error) => {
      if (this.lease !== lease || this.stopped) return;
      this.opts.log(`lost the agent's etcd lease (${e.message}); writing every entry again under a new one`);
      this.lease = null;
      this.requestFullSync();
    });
    await this.opts.etcd.run("granting the agent's lease", () => lease.grant());
    this.lease = lease;
    return lease;
  }

  /** Brings one container's entry up to date: put it under the lease, or delete it when the container is gone. */
  private async syncOne(containerId: string): Promise<void> {
    const { docker, project } = this.opts;
    let info: Docker.ContainerInspectInfo | null = null;
    try {
      info = await withEngine(docker, () => docker.getContainer(containerId).inspect());
    } catch (e) {
      if (engineStatus(e) !== 404 && !/no such container/i.test((e as Error).message)) throw e;
    }
    const labels = info ? labelsOf(info) : null;
    if (info && labels?.project === project) {
      this.serviceOf.set(containerId, labels.service);
      await this.put(containerId, labels.service, info);
      return;
    }
    const service = this.serviceOf.get(containerId);
    if (service === undefined) return;
    const key = containerKey(serviceId(project, service), containerId);
    await this.opts.etcd.run(`deleting ${key}`, (c) => c.delete().key(key).exec());
    this.serviceOf.delete(containerId);
  }

  private async put(containerId: string, service: string, info: Docker.ContainerInspectInfo): Promise<void> {
    const lease = await this.ensureLease();
    const key = containerKey(serviceId(this.opts.project, service), containerId);
    const value = serializeRecord(entryFromInspect(info, this.node));
    await this.opts.etcd.run(`writing ${key}`, () => lease.put(key).value(value).exec());
  }

  /**
   * Every container of the project, written again under the current lease; entries of this
   * machine whose container no longer exists on the engine are deleted.
   */
  private async fullSync(): Promise<void> {
    const { docker, project, etcd } = this.opts;
    const [mine, all] = await withEngine(docker, () =>
      Promise.all([docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`] } }), docker.listContainers({ all: true })]),
    );
    for (const c of mine) {
      let info: Docker.ContainerInspectInfo;
      try {
        info = await withEngine(docker, () => docker.getContainer(c.Id).inspect());
      } catch (e) {
        if (engineStatus(e) === 404) continue;
        throw e;
      }
      const labels = labelsOf(info);
      if (!labels) continue;
      this.serviceOf.set(c.Id, labels.service);
      await this.put(c.Id, labels.service, info);
    }
    const existing = new Set(all.map((c) => c.Id));
    const { kvs } = await readPrefix(etcd, `${SERVICES_ROOT}${project}_`, "reading the project's container entries");
    for (const kv of kvs) {
      const parsed = parseKey(kv.key);
      if (parsed?.kind !== "container" || existing.has(parsed.containerId)) continue;
      if (parseContainerEntry(kv.value)?.node !== this.node) continue;
      await etcd.run(`deleting ${kv.key}`, (c) => c.delete().key(kv.key).exec());
    }
  }
}
