import { UserError } from "../../src/core/errors.js";
import type { StateBackend, StateFile, StateLock } from "../backend.js";

export interface EtcdStateBackendOptions {
  /** e.g. ["http://127.0.0.1:2379"] */
  endpoints: string[];
  /** Key prefix under which this project's state lives (no leading slash). */
  prefix: string;
  project: string;
}

/** Placeholder until the etcd backend lands: it only fixes the constructor the CLI codes against. */
export class EtcdStateBackend implements StateBackend {
  readonly location: string;

  constructor(options: EtcdStateBackendOptions) {
    this.location = `etcd://${options.endpoints.map((e) => e.replace(/^https?:\/\//, "")).join(",")}/${options.prefix}`;
  }

  async read(): Promise<StateFile | null> {
    throw this.notImplemented();
  }

  async write(_next: StateFile, _expectedSerial: number): Promise<void> {
    throw this.notImplemented();
  }

  async lock(_command: string): Promise<StateLock> {
    throw this.notImplemented();
  }

  private notImplemented(): UserError {
    return new UserError("E_NOT_IMPLEMENTED", `the etcd state backend (${this.location}) is not implemented yet`);
  }
}
