import type { ResourceChange } from "../core/plan.js";
import type { Address, Attributes, RecordedResource } from "../core/types.js";
import type { StateBackend, StateFile } from "../../state/backend.js";
import { nextState } from "../../state/new-state.js";

/**
 * Keeps the resources the executor has applied so far and writes the state after every
 * change, one write at a time (each write is a compare-and-swap on the serial).
 */
export class StateRecorder {
  private readonly current: Map<Address, RecordedResource>;
  private serial: number;
  private lineage: string | null;
  /** Carried through every write: the executor changes resources, never the history. */
  private readonly history: StateFile["history"];
  private writes: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private writeError: unknown = null;

  constructor(
    private readonly backend: StateBackend,
    private readonly project: string,
    initial: StateFile | null,
  ) {
    this.current = new Map((initial?.resources ?? []).map((r) => [r.address, r]));
    this.serial = initial?.serial ?? 0;
    this.lineage = initial?.lineage ?? null;
    this.history = initial?.history;
  }

  attributesOf(address: Address): Attributes | undefined {
    return this.current.get(address)?.attributes;
  }

  resources(): RecordedResource[] {
    return [...this.current.values()];
  }

  /** Records the outcome of one change (null: the resource is gone) and queues a state write. */
  record(address: Address, change: ResourceChange, attributes: Attributes | null): Promise<void> {
    // A renamed resource is recorded under its new address only.
    if (change.movedFrom !== undefined && change.movedFrom !== address) this.current.delete(change.movedFrom);
    if (attributes === null) this.current.delete(address);
    else this.current.set(address, { address, type: change.type, provider: change.provider, service: change.service, attributes, dependsOn: change.dependsOn });
    return this.save();
  }

  /**
   * Queues a write of the current resources. Writes never overlap; a write that has not started
   * yet takes every change recorded until it starts, so changes finishing together cost one
   * write, not one each (a state of thousands of resources is rewritten whole every time).
   */
  save(): Promise<void> {
    if (this.queued) return this.queued;
    const write = this.writes.then(async () => {
      this.queued = null;
      const prev: StateFile | null = this.lineage
        ? { version: 1, lineage: this.lineage, serial: this.serial, project: this.project, resources: [], history: this.history }
        : null;
      const next = nextState(prev, this.project, this.resources());
      try {
        await this.backend.write(next, this.serial);
        this.serial = next.serial;
        this.lineage = next.lineage;
      } catch (e) {
        this.writeError ??= e;
      }
    });
    this.queued = write;
    this.writes = write;
    return write;
  }

  /** Waits for queued writes; rethrows the first failure so the user hears state was not saved. */
  async flush(): Promise<void> {
    await this.writes;
    if (this.writeError) throw this.writeError;
  }

  /** A state write failed: what is applied from now on could not be recorded, so nothing more should start. */
  get saveFailed(): boolean {
    return this.writeError !== null;
  }

  get stateSerial(): number {
    return this.serial;
  }
}
