import type { ServiceSpec } from "./types.js";

/** The services this one must start after: links ∪ depends_on ∪ aliyun.depends ∪ volumes_from's services, sorted, unique. */
export function serviceDependencies(spec: ServiceSpec): string[] {
  const volumesFrom = spec.volumesFrom.filter((v) => v.kind === "service").map((v) => v.name);
  const all = new Set([...spec.links.map((link) => link.service), ...spec.dependsOn.map((d) => d.service), ...spec.aliyun.depends, ...volumesFrom]);
  return [...all].sort();
}
