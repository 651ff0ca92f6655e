import type { RecordedResource } from "../src/core/types.js";
import type { AppliedConfiguration } from "../src/core/history.js";

export type { AppliedConfiguration };

/** The state file of DESIGN.md. */
export interface StateFile {
  version: 1;
  lineage: string;
  serial: number;
  project: string;
  resources: RecordedResource[];
  /**
   * The last applied configurations, oldest first (`berth history`, `berth rollback`). Absent in
   * states written before it was kept, and in a state nothing was applied to since.
   */
  history?: AppliedConfiguration[];
}


/** Who holds a lock: printed to whoever is refused. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

export interface StateLock {
  release(): Promise<void>;
}

/**
 * One interface, two backends (local file, etcd); one conformance suite runs against both.
 * `write` is a compare-and-swap: it fails with E_STATE_MOVED when the stored serial is not
 * `expectedSerial`, so two writers never silently overwrite each other.
 */
export interface StateBackend {
  /** Human description for messages: a path or an etcd URL. */
  readonly location: string;
  /** null when no state has been written yet. */
  read(): Promise<StateFile | null>;
  /** Writes `next` (whose serial must be expectedSerial + 1, or 1 for a new state). */
  write(next: StateFile, expectedSerial: number): Promise<void>;
  /** Throws UserError E_STATE_LOCKED naming the holder when someone else holds it. */
  lock(command: string): Promise<StateLock>;
  close?(): Promise<void>;
}
