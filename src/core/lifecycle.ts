import type { Attributes } from "./types.js";

/** Terraform's lifecycle.prevent_destroy, as a label a template sets on what it protects. */
export const PREVENT_DESTROY_LABEL = "berth.prevent_destroy";

/** For schemas whose resources carry the template's labels under `labels`. */
export function protectedByLabel(attributes: Attributes): boolean {
  const labels = attributes.labels;
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return false;
  return String(labels[PREVENT_DESTROY_LABEL]).toLowerCase() === "true";
}
