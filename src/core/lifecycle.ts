import type { Attributes } from "./types.js";

/** Terraform's lifecycle.prevent_destroy, as a label a template sets on what it protects. */
export const PREVENT_DESTROY_LABEL = "berth.prevent_destroy";

/** For schemas whose resources carry the template's labels under `labels`. */
export function protectedByLabel(attributes: Attributes): boolean {
  const labels = attributes.labels;
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return false;
  return String(labels[PREVENT_DESTROY_LABEL]).toLowerCase() === "true";
}

/** Terraform's lifecycle.ignore_changes, as a label: "scale, environment.FEATURE_X". */
export const IGNORE_CHANGES_LABEL = "berth.ignore_changes";

/** The replica count of a service: not an attribute, but what ignore_changes may name first. */
export const SCALE_PATH = "scale";

export interface IgnoredEntry {
  /** ["scale"], ["environment"], ["environment", "FEATURE_X"] */
  path: string[];
  text: string;
  /** Where the entry starts in the label's value, for errors. */
  index: number;
}

/** The label's value as attribute paths: comma-separated; a dot names one entry of a map attribute. */
export function parseIgnoreChanges(value: string): IgnoredEntry[] {
  const out: IgnoredEntry[] = [];
  let index = 0;
  for (const raw of value.split(",")) {
    const text = raw.trim();
    if (text !== "") {
      const dot = text.indexOf(".");
      out.push({ path: dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)], text, index: index + raw.indexOf(text) });
    }
    index += raw.length + 1;
  }
  return out;
}

/**
 * For schemas whose resources carry the template's labels under `labels`: the paths the label
 * names, and the label itself, so writing or editing it never changes the resource.
 */
export function ignoredByLabel(attributes: Attributes): string[][] {
  const labels = attributes.labels;
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return [];
  const value = labels[IGNORE_CHANGES_LABEL];
  if (typeof value !== "string") return [];
  return [...parseIgnoreChanges(value).map((e) => e.path), ["labels", IGNORE_CHANGES_LABEL]];
}
