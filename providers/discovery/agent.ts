import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import type { Lease } from "etcd3";
import { LABEL_PROJECT, LABEL_SERVICE } from "../docker/attributes.js";
import { engineStatus, withEngine } from "../../src/clients/docker.js";
import { entryFromInspect, healthWord, labelsOf } from "./container-entries.js";
import { type EtcdConnection, readPrefix } from "../../src/clients/etcd.js";
import { type ContainerEntry, SERVICES_ROOT, containerKey, parseContainerEntry, parseKey, serializeRecord, serviceId } from "./records.js";

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
const EVENTS = ["start", "stop", "die", "kill", "health_status", "destroy"];
const BACKOFF = { initial: 250, max: 5_000 };

interface DockerEvent {
  Type?: string;
  Action?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** What the agent knows about one container. */
interface Tracked {
  /** Events seen for it, counted. Every write says which count it reflects. */
  seq: number;
  /** The count the last write reflected: an older view is never written over a newer one. */
  written: number;
  /** From its labels (a destroyed container cannot be inspected). */
  service: string | null;
  /** What was last written for it and under which lease; an identical write is skipped. */
  entry: ContainerEntry | null;
  value: string | null;
  lease: Lease | null;
  /** Its writes, one after another in the order they were decided. */
  writes: Promise<void>;
}

/**
 * Whether an event says the container is no longer running: it exited (die, then stop), or
 * it was sent SIGKILL. Other kills are not: `docker stop` sends SIGTERM first and the
 * container may take its grace period, and `docker kill -s HUP` is how many reload.
 */
function announcesExit(event: DockerEvent): boolean {
  if (event.Action === "die" || event.Action === "stop") return true;
  if (event.Action !== "kill") return false;
  const signal = event.Actor?.Attributes?.signal ?? "";
  return signal === "9" || /^(SIG)?KILL$/i.test(signal);
}

/**
 * `berth agent`: keeps `/berth/services/<project>_<service>/containers/<id>` current for one
 * project's containers on this machine. It listens to Docker's events, inspects the container
 * an event names and writes its entry under the agent's lease (or deletes it on destroy).
 * Entries expire TTL seconds after the agent dies; stop() revokes the lease, so a stopped
 * agent's entries go at once.
 *
 * Work is coalesced: events mark containers dirty, one worker brings each dirty container's
 * entry up to date from what the engine says now, so bursts cost one inspect. An event that
 * says the container exited (die, stop, SIGKILL) is written at once as running=false, from the
 * event itself and what was known of the container: inspecting it then waits while dockerd
 * tears its networking down (100-300 ms), and a stopped replica should leave consumers' lists
 * as fast as a started one joins. The inspect follows for the full entry. Each container's
 * events are counted and each write carries the count it reflects, so a view older than one
 * already written (an inspect that began before a die was seen) is dropped, and a later
 * start wins. Any failure (etcd or Docker away, lease lost) schedules a full sync with
 * back-off.
 */
export class DiscoveryAgent {
  private readonly ttlSeconds: number;
  private readonly node: string;
  private lease: Lease | null = null;
  private granting: Promise<Lease> | null = null;
  private events: Readable | null = null;
  private stopped = false;
  private fullSyncWanted = true;
  private readonly dirty = new Set<string>();
  /** container id → what is known of it, from events and syncs. */
  private readonly tracked = new Map<string, Tracked>();
  /** Writes made straight from events, outside the worker: stop() waits for them. */
  private readonly eventWrites = new Set<Promise<void>>();
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
    await Promise.all(this.eventWrites);
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
    if (!id || event.Type !== "container" || this.stopped) return;
    // A kill that need not end the container changes nothing yet; its die will, if it comes.
    if (event.Action === "kill" && !announcesExit(event)) return;
    const tracked = this.track(id);
    tracked.seq += 1;
    const service = event.Actor?.Attributes?.[LABEL_SERVICE];
    if (service) tracked.service = service;
    if (announcesExit(event)) this.writeExited(id, tracked.seq, event.Actor?.Attributes ?? {});
    this.dirty.add(id);
    this.wakeWorker?.();
  }

  private track(containerId: string): Tracked {
    let tracked = this.tracked.get(containerId);
    if (!tracked) {
      tracked = { seq: 0, written: 0, service: null, entry: null, value: null, lease: null, writes: Promise.resolve() };
      this.tracked.set(containerId, tracked);
    }
    return tracked;
  }

  /**
   * The fast path for an exit: running=false from the event's attributes and the entry known
   * for the container, written now rather than after an inspect that would wait for dockerd's
   * network teardown. The worker's inspect (the event made the container dirty) follows.
   */
  private writeExited(containerId: string, seq: number, attributes: Record<string, string>): void {
    const tracked = this.track(containerId);
    const { project } = this.opts;
    if (attributes[LABEL_PROJECT] !== undefined && attributes[LABEL_PROJECT] !== project) return;
    const name = attributes.name ? `/${attributes.name}` : tracked.entry?.name;
    if (!tracked.service || !name) return;
    const entry: ContainerEntry = {
      ...tracked.entry,
      name,
      node: this.node,
      // What an inspect says once it stopped: no address, nothing published.
      ip: "",
      running: false,
      status: "exited",
      health: healthWord(false, undefined),
      published: {},
    };
    const write = this.commit(containerId, seq, containerKey(serviceId(project, tracked.service), containerId), entry).catch((e: Error) => {
      this.opts.log(`${e.message}; retrying`);
      this.requestFullSync();
    });
    this.eventWrites.add(write);
    void write.finally(() => this.eventWrites.delete(write));
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

  /** The current lease, granting one when there is none (one grant at a time: writes from events and the worker share it). */
  private ensureLease(): Promise<Lease> {
    if (this.lease && !this.lease.revoked()) return Promise.resolve(this.lease);
    this.granting ??= this.grantLease().finally(() => (this.granting = null));
    return this.granting;
  }

  private async grantLease(): Promise<Lease> {
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
    const tracked = this.track(containerId);
    // The inspect sees at least what the events counted so far say.
    const seq = tracked.seq;
    let info: Docker.ContainerInspectInfo | null = null;
    try {
      info = await withEngine(docker, () => docker.getContainer(containerId).inspect());
    } catch (e) {
      if (engineStatus(e) !== 404 && !/no such container/i.test((e as Error).message)) throw e;
    }
    const labels = info ? labelsOf(info) : null;
    if (info && labels?.project === project) {
      tracked.service = labels.service;
      await this.commit(containerId, seq, containerKey(serviceId(project, labels.service), containerId), entryFromInspect(info, this.node));
      return;
    }
    if (tracked.service === null) {
      if (tracked.seq === seq) this.tracked.delete(containerId);
      return;
    }
    await this.commit(containerId, seq, containerKey(serviceId(project, tracked.service), containerId), null);
  }

  /**
   * Writes one container's entry (null: deletes it) as of event count `seq`, after the writes
   * of that container decided before it, and only when nothing newer was written meanwhile.
   * An entry equal to the one last written under the same lease is not written again unless
   * `force` (a full sync rewrites everything).
   */
  private commit(containerId: string, seq: number, key: string, entry: ContainerEntry | null, force = false): Promise<void> {
    const tracked = this.track(containerId);
    const step = tracked.writes.then(async () => {
      if (seq < tracked.written) return;
      if (entry === null) {
        tracked.value = null;
        await this.opts.etcd.run(`deleting ${key}`, (c) => c.delete().key(key).exec());
        tracked.written = seq;
        tracked.entry = null;
        if (tracked.seq === seq && this.tracked.get(containerId) === tracked) this.tracked.delete(containerId);
        return;
      }
      const lease = await this.ensureLease();
      const value = serializeRecord(entry);
      if (!force && value === tracked.value && lease === tracked.lease) {
        tracked.written = seq;
        return;
      }
      // Unknown until etcd answers: a retry must not take it as written.
      tracked.value = null;
      await this.opts.etcd.run(`writing ${key}`, () => lease.put(key).value(value).exec());
      Object.assign(tracked, { written: seq, entry, value, lease });
    });
    tracked.writes = step.catch(() => {});
    return step;
  }

  /**
   * Every container of the project, written again under the current lease; entries of this
   * machine whose container no longer exists on the engine are deleted.
   */
  private async fullSync(): Promise<void> {
    const { docker, project, etcd } = this.opts;
    // Event counts as of the listing: a container with events since is left to the worker.
    const countsBefore = new Map([...this.tracked].map(([id, t]) => [id, t.seq]));
    const [mine, all] = await withEngine(docker, () =>
      Promise.all([docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`] } }), docker.listContainers({ all: true })]),
    );
    for (const c of mine) {
      const tracked = this.track(c.Id);
      const seq = tracked.seq;
      let info: Docker.ContainerInspectInfo;
      try {
        info = await withEngine(docker, () => docker.getContainer(c.Id).inspect());
      } catch (e) {
        if (engineStatus(e) === 404) continue;
        throw e;
      }
      const labels = labelsOf(info);
      if (!labels) continue;
      tracked.service = labels.service;
      await this.commit(c.Id, seq, containerKey(serviceId(project, labels.service), c.Id), entryFromInspect(info, this.node), true);
    }
    const existing = new Set(all.map((c) => c.Id));
    const { kvs } = await readPrefix(etcd, `${SERVICES_ROOT}${project}_`, "reading the project's container entries");
    for (const kv of kvs) {
      const parsed = parseKey(kv.key);
      if (parsed?.kind !== "container" || existing.has(parsed.containerId)) continue;
      if (parseContainerEntry(kv.value)?.node !== this.node) continue;
      const seq = countsBefore.get(parsed.containerId) ?? 0;
      if ((this.tracked.get(parsed.containerId)?.seq ?? 0) !== seq) continue;
      await this.commit(parsed.containerId, seq, kv.key, null);
    }
    // Containers that went while nobody listened (and had no event since the listing).
    for (const [id, t] of this.tracked) if (!existing.has(id) && t.seq === (countsBefore.get(id) ?? 0)) this.tracked.delete(id);
  }
}
