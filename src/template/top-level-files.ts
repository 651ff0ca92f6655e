import path from "node:path";
import { isMap } from "yaml";
import { readTextFile } from "./dotenv.js";
import type { LoadContext } from "./load-context.js";
import type { ServiceDraft } from "./service-draft.js";
import type { FileDecl, FileKind } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, type MapEntry } from "./yaml-nodes.js";

const SOURCES: Record<FileKind, string[]> = { secret: ["file", "environment"], config: ["file", "environment", "content"] };

/**
 * The top-level `secrets:` or `configs:` map. Each entry's content is read now (relative files
 * against the template's folder, as compose does), so a missing file is a validate error and
 * a changed one changes the plan. `external:` names a swarm object: refused on one engine.
 */
export function readFileDecls(ctx: LoadContext, kind: FileKind, entry: MapEntry): FileDecl[] {
  const section = `${kind}s`;
  if (isNullNode(entry.value)) return [];
  if (!isMap(entry.value)) {
    ctx.error("E_TYPE", `${section} must be a map of name → {${SOURCES[kind].join(" | ")}}, got ${describe(entry.value)}`, entry.valueLoc);
    return [];
  }
  const decls: FileDecl[] = [];
  for (const declared of mapEntries(ctx, entry.value)) {
    const where = `${section}.${declared.key}`;
    if (!isMap(declared.value)) {
      ctx.error("E_TYPE", `${where} must be a map with one of ${SOURCES[kind].join(", ")}, got ${describe(declared.value)}`, declared.valueLoc);
      continue;
    }
    let content: string | null = null;
    let source: string | null = null;
    for (const option of mapEntries(ctx, declared.value)) {
      const text = scalarText(option.value);
      if (SOURCES[kind].includes(option.key)) {
        if (source) {
          ctx.error("E_TYPE", `${where} has both ${source} and ${option.key}: give one source`, option.keyLoc);
          continue;
        }
        source = option.key;
        if (text === undefined) ctx.error("E_TYPE", `${where}.${option.key} must be a string, got ${describe(option.value)}`, option.valueLoc);
        else content = readSource(ctx, where, option.key, text, option);
      } else if (option.key === "name" && text) {
        // Only the swarm stores it under a name; on one engine the name changes nothing.
        continue;
      } else if (!option.key.startsWith("x-")) {
        const why = option.key === "external" ? ": external secrets and configs live in a swarm, which one Docker engine does not have" : "";
        ctx.error("E_UNSUPPORTED_KEY", `${where}: '${option.key}' is not supported by Berth${why} (supported: ${SOURCES[kind].join(", ")})`, option.keyLoc);
      }
    }
    if (!source) ctx.error("E_TYPE", `${where} needs a source: one of ${SOURCES[kind].join(", ")}`, declared.keyLoc);
    // Declared even when its content could not be read (already an error): services may name it.
    decls.push({ kind, key: declared.key, content: content ?? "", loc: declared.keyLoc });
  }
  return decls;
}

function readSource(ctx: LoadContext, where: string, source: string, text: string, option: MapEntry): string | null {
  if (source === "content") return text;
  if (source === "environment") {
    const value = ctx.settings.env[text];
    if (value === undefined) ctx.error("E_VARIABLE", `${where}.environment names ${text}, which is not set`, option.valueLoc);
    return value ?? null;
  }
  const absolute = path.resolve(ctx.dirOf(option.value).dir, text);
  const read = readTextFile(absolute);
  if (read.text === null) {
    ctx.error("E_FILE", `${where}.file: cannot read ${text} (${absolute}): ${read.reason}`, option.valueLoc);
    return null;
  }
  // Saved plans are refused when a file they were made from changed (its text joins the template hash).
  ctx.hashedFiles.push({ file: path.relative(ctx.settings.dir, absolute), text: read.text });
  return read.text;
}

/** A service mounts only what the top level declares, and one thing per path. */
export function checkFileReferences(ctx: LoadContext, drafts: ServiceDraft[], decls: FileDecl[]): void {
  for (const draft of drafts) {
    const targets = new Set<string>();
    for (const f of draft.spec.files) {
      const section = `${f.kind}s`;
      if (!decls.some((d) => d.kind === f.kind && d.key === f.key)) {
        const known = decls.filter((d) => d.kind === f.kind).map((d) => d.key);
        ctx.error("E_REFERENCE", `service '${draft.spec.name}' mounts ${f.kind} '${f.key}', which the top-level ${section}: section does not declare${known.length ? ` (declared: ${known.join(", ")})` : ""}`, f.loc);
      }
      if (targets.has(f.target)) ctx.error("E_REFERENCE", `service '${draft.spec.name}' mounts two files at ${f.target}`, f.loc);
      targets.add(f.target);
    }
  }
}
