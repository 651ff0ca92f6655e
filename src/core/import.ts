import type { Address, AttrValue, Attributes, ProviderName, ResourceType } from "./types.js";

/**
 * Something already running that a provider could take over for `berth import`: a container
 * docker compose started, its network or volume, or what the user named on the command line.
 */
export interface ImportCandidate {
  /** Where it would go: container.web[0] for compose's web_1. */
  address: Address;
  type: ResourceType;
  provider: ProviderName;
  /** The engine's name for it ("shop_web_1", "shop-web-1"). */
  engineName: string;
  /** The engine's ID for it. */
  id: string;
  /** In words: "made by docker compose 1.29.2, project shop, service web". */
  madeBy: string;
  /**
   * What runs, in the attributes' own shape, for the keys the provider can observe (computed
   * ones included: IDs, published ports). Keys left out are taken from the template.
   */
  observed: Attributes;
  /** Keys of `observed` that differ from the template, in the provider's sense (a network list compared by names). */
  differing: string[];
  /** The provider gives it the template's name on import (a rename: the same object keeps running). */
  renameTo?: string;
}

export interface ImportDifference {
  /** ["image"], or ["environment", "FOO"] for one entry of a map. */
  path: string[];
  template: AttrValue;
  running: AttrValue;
  /** How the next apply brings it to the template: "replace" recreates it. */
  update: "in-place" | "replace";
}

/** One import of the plan: the candidate's identity, and what the state records for it. */
export interface ImportEntry extends Pick<ImportCandidate, "address" | "type" | "provider" | "engineName" | "id" | "madeBy" | "renameTo"> {
  /** The service it belongs to (null: shared), recorded with it. */
  service: string | null;
  /** What differs from the template: recorded as it runs, so the next plan shows each as a change. */
  differences: ImportDifference[];
  /** The attributes the state records: the template's, with what runs where it differs. */
  record: Attributes;
  dependsOn: Address[];
  sensitivePaths: string[][];
  identifierPaths: string[][];
}

/** Something running that is not imported, and why. */
export interface ImportSkipped {
  address: Address;
  engineName: string;
  reason: string;
}

/** `berth import`'s plan: shown first, applied by writing the state (and renames), nothing recreated. */
export interface ImportPlan {
  project: string;
  stateLineage: string | null;
  stateSerial: number;
  imports: ImportEntry[];
  skipped: ImportSkipped[];
}
