import type { ServiceSpec } from "./types.js";

/** The services this one must start after: links ∪ depends_on ∪ aliyun.depends, sorted, unique. */
export function serviceDependencies(spec: ServiceSpec): string[] {
  const all = new Set([...spec.links.map((link) => link.service), ...spec.dependsOn.map((d) => d.service), ...spec.aliyun.depends]);
  return [...all].sort();
}
