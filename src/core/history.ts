import type { DesiredResource } from "./types.js";

/** One applied configuration: what the template wanted, pinned to the images it ran. */
export interface AppliedConfiguration {
  /** The state serial written with it. */
  serial: number;
  /** ISO time the apply finished. */
  appliedAt: string;
  templateHash: string;
  /** Set when this apply was `berth rollback` to that serial's configuration. */
  rollbackOf?: number;
  /** The desired resources as applied, each container pinned to the image it ran (a kept tag). */
  resources: DesiredResource[];
}
