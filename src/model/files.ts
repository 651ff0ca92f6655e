import type { FileAttr } from "../../providers/docker/attributes.js";
import type { FileDecl, ServiceSpec } from "../template/types.js";

/** The key a secret's content is kept under in sensitive_values, which every output masks. */
export function secretValueKey(key: string): string {
  return `secret:${key}`;
}

/**
 * What a service mounts from `secrets:` and `configs:`: each file by its path in the container;
 * the contents ride along (secrets among the masked sensitive values, configs in the open), so a
 * changed file changes the container's hash and the plan names which one changed.
 */
export function serviceFiles(spec: ServiceSpec, decls: readonly FileDecl[]) {
  const files: Record<string, FileAttr> = {};
  const secrets: Record<string, string> = {};
  const configs: Record<string, string> = {};
  for (const f of spec.files) {
    const decl = decls.find((d) => d.kind === f.kind && d.key === f.key);
    if (!decl) continue;
    files[f.target] = { source: `${f.kind}:${f.key}`, uid: f.uid, gid: f.gid, mode: f.mode };
    if (f.kind === "secret") secrets[secretValueKey(f.key)] = decl.content;
    else configs[f.key] = decl.content;
  }
  return { files: sortedRecord(files), secrets, configs: sortedRecord(configs) };
}

function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
