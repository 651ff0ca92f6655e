import { isMap } from "yaml";
import { readKeyValues } from "./key-values.js";
import type { LoadContext } from "./load-context.js";
import type { ServiceDraft } from "./service-draft.js";
import type { VolumeDecl } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, type MapEntry } from "./yaml-nodes.js";

const VOLUME_KEYS = new Set(["name", "external", "driver", "driver_opts", "labels"]);
/** Docker's rule for volume names. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The top-level `volumes:` map: each entry becomes a volume resource the project owns (or, external, uses). */
export function readVolumeDecls(ctx: LoadContext, entry: MapEntry): VolumeDecl[] {
  if (isNullNode(entry.value)) return [];
  if (!isMap(entry.value)) {
    ctx.error("E_TYPE", `volumes must be a map of volume name → options, got ${describe(entry.value)}`, entry.valueLoc);
    return [];
  }
  const decls = mapEntries(ctx, entry.value).flatMap((declared) => readDecl(ctx, declared) ?? []);
  return decls.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function readDecl(ctx: LoadContext, declared: MapEntry): VolumeDecl | null {
  const decl: VolumeDecl = { key: declared.key, name: null, external: false, driver: null, driverOpts: {}, labels: {}, loc: declared.keyLoc };
  if (!VOLUME_NAME.test(declared.key)) {
    ctx.error("E_NAME", `volume name '${declared.key}' must start with a letter or digit and hold only letters, digits, '_', '.' and '-'`, declared.keyLoc);
  }
  if (isNullNode(declared.value)) return decl;
  if (!isMap(declared.value)) {
    ctx.error("E_TYPE", `volumes.${declared.key} must be a map of options (driver, name, external, ...), got ${describe(declared.value)}`, declared.valueLoc);
    return null;
  }
  for (const option of mapEntries(ctx, declared.value)) {
    const text = scalarText(option.value);
    switch (option.key) {
      case "name":
        if (text && VOLUME_NAME.test(text)) decl.name = text;
        else ctx.error("E_NAME", `volumes.${declared.key}.name must be a Docker volume name, got ${describe(option.value)}`, option.valueLoc);
        break;
      case "external":
        decl.external = readExternal(ctx, declared.key, option, decl);
        break;
      case "driver":
        if (text) decl.driver = text;
        else ctx.error("E_TYPE", `volumes.${declared.key}.driver must be a driver name, got ${describe(option.value)}`, option.valueLoc);
        break;
      case "driver_opts":
      case "labels": {
        const values = readKeyValues(ctx, `volumes.${declared.key}.${option.key}`, option.value, option.valueLoc);
        const record = Object.fromEntries(values.map((kv) => [kv.key, kv.value ?? ""]));
        if (option.key === "labels") decl.labels = record;
        else decl.driverOpts = record;
        break;
      }
      default:
        if (!option.key.startsWith("x-")) {
          ctx.error("E_UNSUPPORTED_KEY", `volumes.${declared.key}: '${option.key}' is not supported by Berth (supported: ${[...VOLUME_KEYS].join(", ")})`, option.keyLoc);
        }
    }
  }
  if (decl.external && (decl.driver || Object.keys(decl.driverOpts).length || Object.keys(decl.labels).length)) {
    ctx.error("E_TYPE", `volumes.${declared.key} is external: Berth does not create it, so driver, driver_opts and labels cannot apply`, declared.keyLoc);
  }
  return decl;
}

/** `external: true`, or compose 2's older `external: {name: x}`. */
function readExternal(ctx: LoadContext, key: string, option: MapEntry, decl: VolumeDecl): boolean {
  if (isMap(option.value)) {
    const name = mapEntries(ctx, option.value).find((e) => e.key === "name");
    const text = scalarText(name?.value ?? null);
    if (text) decl.name ??= text;
    return true;
  }
  const text = scalarText(option.value);
  if (text === "true" || text === "false") return text === "true";
  ctx.error("E_TYPE", `volumes.${key}.external must be true or false, got ${describe(option.value)}`, option.valueLoc);
  return false;
}

/** "data:/var/lib/x[:ro]" → "data"; host paths and anonymous volumes → null. */
export function namedVolumeSource(entry: string): string | null {
  const cut = entry.indexOf(":");
  if (cut <= 0) return null;
  const source = entry.slice(0, cut);
  return /^[./~]/.test(source) ? null : source;
}

/**
 * In the `services:` format a named volume must be declared at the top (compose's rule: an
 * undeclared name is a typo more often than not). The v1 format has no such section.
 */
export function checkVolumeReferences(ctx: LoadContext, drafts: ServiceDraft[], decls: VolumeDecl[], format: "v1" | "services"): void {
  if (format !== "services") return;
  const declared = new Set(decls.map((d) => d.key));
  for (const draft of drafts) {
    draft.spec.volumes.forEach((entry, i) => {
      const source = namedVolumeSource(entry);
      if (source === null || declared.has(source)) return;
      const known = declared.size ? ` (declared: ${[...declared].sort().join(", ")})` : "";
      ctx.error(
        "E_VOLUME",
        `service '${draft.spec.name}' mounts volume '${source}', which the top-level volumes: section does not declare${known}`,
        draft.volumeLocs[i] ?? draft.spec.keyLocs.volumes ?? draft.spec.loc,
      );
    });
  }
}
