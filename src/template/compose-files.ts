import path from "node:path";
import { isMap, isSeq, Pair, parseDocument, Scalar, visit, YAMLMap } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import { loadDotenvBeside, parseDotenv, readTextFile } from "./dotenv.js";
import { interpolateDocument } from "./interpolate-document.js";
import type { LoadContext, SourceFile, YamlNode } from "./load-context.js";
import { cleaned, mergeMaps } from "./merge.js";
import { SourceText } from "./source-text.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems, type MapEntry } from "./yaml-nodes.js";

/**
 * The compose files of one load made into one document, as docker compose does: each file
 * interpolated, its `extends:` resolved and its `include:` imported, then the files merged in
 * order (several -f, COMPOSE_FILE, the override file). Everything stays YAML nodes of the file
 * they were read from, so the readers report every value at its own file:line:col.
 */

/** Where a file is, as shown in messages and as read. */
export interface FilePath {
  shown: string;
  absolute: string;
}

/** Reads, parses and interpolates one file; null when it cannot be read or is not valid YAML (reported). */
export function readSourceFile(ctx: LoadContext, file: FilePath, dir: { dir: string; shownDir: string }, env: Record<string, string | undefined>, at?: SourceLoc): SourceFile | null {
  const read = readTextFile(file.absolute);
  if (read.text === null) {
    ctx.error("E_NO_TEMPLATE", `cannot read compose file '${file.shown}': ${read.reason}`, at ?? ctx.source.locAt(0));
    return null;
  }
  return parseSourceFile(ctx, new SourceText(file.shown, read.text), file.absolute, dir, env);
}

export function parseSourceFile(ctx: LoadContext, source: SourceText, absolute: string, dir: { dir: string; shownDir: string }, env: Record<string, string | undefined>): SourceFile | null {
  const doc = parseDocument(source.text, { prettyErrors: false, uniqueKeys: true });
  const file: SourceFile = { source, path: absolute, doc, ...dir, env };
  ctx.addFile(file);
  const before = ctx.diagnostics.length;
  for (const problem of doc.errors) ctx.error("E_YAML", problem.message, source.locAt(problem.pos[0]));
  for (const problem of doc.warnings) {
    // compose's own tags (13-merge.md): the merge reads them.
    if (/^Unresolved tag: !(reset|override)$/.test(problem.message)) continue;
    ctx.warn("W_YAML", problem.message, source.locAt(problem.pos[0]));
  }
  visit(doc, {
    Alias(_key, alias) {
      if (!alias.resolve(doc)) ctx.error("E_YAML", `alias *${alias.source} refers to no anchor &${alias.source}`, ctx.loc(alias));
    },
  });
  // A document that is not valid YAML has no trustworthy structure to check further.
  if (ctx.diagnostics.slice(before).some((d) => d.severity === "error")) return null;
  interpolateDocument(ctx, doc, env);
  return file;
}

/** The merged document of `files` (the first is the template); undefined when a file could not be read. */
export function composeDocument(ctx: LoadContext, first: SourceFile, others: FilePath[]): YamlNode | undefined {
  // A file that extends a service of the template reads the template already read.
  fileCacheOf(ctx).set(`${first.path}\0${first.dir}`, first);
  const roots: YamlNode[] = [new FileReader(ctx, first, []).document()];
  for (const other of others) {
    // compose: paths in every -f file are relative to the first file's folder (the project directory).
    const file = readSourceFile(ctx, other, { dir: first.dir, shownDir: first.shownDir }, first.env);
    if (!file) return undefined;
    roots.push(new FileReader(ctx, file, []).document());
  }
  // `!reset` and `!override` mean something only against an earlier file: once merged, what is left of them goes.
  return cleaned(ctx, mergeRoots(ctx, roots));
}

function mergeRoots(ctx: LoadContext, roots: YamlNode[]): YamlNode {
  let merged = roots[0];
  for (const next of roots.slice(1)) {
    if (!isMap(merged) || !isMap(next)) {
      // Reported by the reader of the first (not a map); an override that is not a map is reported here.
      if (isMap(merged)) ctx.error("E_TYPE", `a compose file must be a map, got ${describe(next)}`, ctx.loc(next));
      continue;
    }
    const v1 = [isV1(ctx, merged), isV1(ctx, next)];
    if (v1[0] !== v1[1]) {
      ctx.error("E_TYPE", "cannot merge a compose file with services at the top (v1) and one with services:", ctx.loc(next));
      continue;
    }
    merged = mergeMaps(ctx, v1[0] ? ["services"] : [], merged, next);
  }
  return merged;
}

/** Compose v1: services at the top, no services:/version:/include:. */
function isV1(ctx: LoadContext, root: YAMLMap): boolean {
  return !mapEntries(ctx, root).some((e) => e.key === "services" || e.key === "version" || e.key === "include");
}

interface ChainLink {
  file: SourceFile;
  service: string;
}

/** Files already read for `extends: file:` / `include:`, by absolute path and folder: each is read once. */
const fileCache = new WeakMap<LoadContext, Map<string, SourceFile | null>>();

function fileCacheOf(ctx: LoadContext): Map<string, SourceFile | null> {
  let cache = fileCache.get(ctx);
  if (!cache) fileCache.set(ctx, (cache = new Map()));
  return cache;
}

function cachedFile(ctx: LoadContext, file: FilePath, dir: { dir: string; shownDir: string }, env: Record<string, string | undefined>, at: SourceLoc): SourceFile | null {
  const cache = fileCacheOf(ctx);
  const key = `${file.absolute}\0${dir.dir}`;
  if (!cache.has(key)) cache.set(key, readSourceFile(ctx, file, dir, env, at));
  return cache.get(key) ?? null;
}

/** Resolved services, by file and name: a base extended by several services is merged once. */
const resolvedCache = new WeakMap<SourceFile, Map<string, YamlNode>>();

/** One file's document with its `extends:` and `include:` carried out. */
class FileReader {
  constructor(
    private readonly ctx: LoadContext,
    private readonly file: SourceFile,
    /** Files including this one, outermost first: an include of one of them is a cycle. */
    private readonly includedFrom: string[],
  ) {}

  document(): YamlNode {
    const { ctx } = this;
    const root = ctx.resolve(this.file.doc.contents);
    if (!isMap(root)) return root;
    const entries = mapEntries(ctx, root);
    const v1 = !entries.some((e) => e.key === "services" || e.key === "version" || e.key === "include");
    const services = this.services(entries, v1);
    const resolved = services.map((s) => ({ ...s, value: this.resolve(s, []) }));
    const changed = resolved.some((s, i) => s.value !== services[i].value);
    const include = v1 ? undefined : entries.find((e) => e.key === "include");
    let out = root;
    if (changed) {
      if (v1) out = rebuilt(ctx, root, entries.map((e) => resolved.find((s) => s.keyNode === e.keyNode) ?? e));
      else {
        const servicesEntry = entries.find((e) => e.key === "services")!;
        const map = ctx.adopt(new YAMLMap(), servicesEntry.value);
        map.items = resolved.map((s) => new Pair(s.keyNode, s.value)) as YAMLMap["items"];
        out = rebuilt(ctx, root, entries.map((e) => (e === servicesEntry ? { ...e, value: map } : e)));
      }
    }
    if (include) out = this.include(out, include);
    return out;
  }

  /** The service entries of a file: the top-level map in v1, `services:` otherwise. */
  private services(entries: MapEntry[], v1: boolean): MapEntry[] {
    if (v1) return entries.filter((e) => !e.key.startsWith("x-"));
    const services = entries.find((e) => e.key === "services")?.value ?? null;
    return isMap(services) ? mapEntries(this.ctx, services) : [];
  }

  /** A service with its `extends:` merged in (recursively), or as written. */
  resolve(service: MapEntry, chain: ChainLink[]): YamlNode {
    const { ctx } = this;
    let cache = resolvedCache.get(this.file);
    if (!cache) resolvedCache.set(this.file, (cache = new Map()));
    if (cache.has(service.key)) return cache.get(service.key)!;
    if (!isMap(service.value)) return service.value;
    const own = mapEntries(ctx, service.value);
    const ext = own.find((e) => e.key === "extends");
    if (!ext) {
      cache.set(service.key, service.value);
      return service.value;
    }
    const here: ChainLink = { file: this.file, service: service.key };
    const without = rebuilt(ctx, service.value, own.filter((e) => e !== ext));
    const base = this.base(ext, [...chain, here]);
    // A base that cannot be found keeps `extends:` in the service, which says why it has no image.
    const value = base ? mergeMaps(ctx, ["services", service.key], base, without) : service.value;
    cache.set(service.key, value);
    return value;
  }

  /** The service `extends:` names, resolved; null when it cannot be (reported). */
  private base(ext: MapEntry, chain: ChainLink[]): YAMLMap | null {
    const { ctx } = this;
    const named = extendsTarget(ctx, ext);
    if (!named) return null;
    let target: SourceFile | null = this.file;
    if (named.file !== undefined) {
      const { dir, shownDir } = ctx.dirOf(named.fileNode);
      const absolute = path.resolve(dir, named.file);
      const shown = path.isAbsolute(named.file) ? named.file : path.join(shownDir, named.file);
      // The extended file's own relative paths are relative to its folder (compose's rule).
      target = cachedFile(ctx, { shown, absolute }, { dir: path.dirname(absolute), shownDir: path.dirname(shown) }, this.file.env, ctx.loc(named.fileNode, ext.valueLoc));
      if (!target) return null;
    }
    const reader = target === this.file ? this : new FileReader(ctx, target, this.includedFrom);
    const root = ctx.resolve(target.doc.contents);
    const entries = isMap(root) ? mapEntries(ctx, root) : [];
    const v1 = !entries.some((e) => e.key === "services" || e.key === "version" || e.key === "include");
    const entry = reader.services(entries, v1).find((s) => s.key === named.service);
    const where = ctx.loc(named.serviceNode, ext.valueLoc);
    const current = chain[chain.length - 1];
    if (!entry) {
      const inFile = target === this.file ? "" : ` in ${target.source.file}`;
      ctx.error("E_EXTENDS", `service '${current.service}' extends '${named.service}', which is not a service${inFile}`, where);
      return null;
    }
    const loopAt = chain.findIndex((l) => l.file.path === target.path && l.service === named.service);
    if (loopAt !== -1) {
      const links = [...chain.slice(loopAt), { file: target, service: named.service }];
      const files = new Set(links.map((l) => l.file.path));
      const name = (l: ChainLink) => (files.size > 1 ? `${l.file.source.file}:${l.service}` : l.service);
      ctx.error("E_EXTENDS", `extends loops: ${links.map(name).join(" → ")}`, where);
      return null;
    }
    const value = reader.resolve(entry, chain);
    if (!isMap(value)) return null; // reported when that service is read
    return value;
  }

  /** `include:` carried out: the included files' services, networks, volumes, secrets and configs join this file's. */
  private include(root: YAMLMap, include: MapEntry): YAMLMap {
    const { ctx } = this;
    const imported: { entries: MapEntry[]; section: string; from: string }[] = [];
    const items = isSeq(include.value) ? seqItems(ctx, include.value) : isNullNode(include.value) ? [] : null;
    if (items === null) {
      ctx.error("E_TYPE", `include must be a list of paths or of {path, project_directory, env_file}, got ${describe(include.value)}`, include.valueLoc);
      return root;
    }
    for (const item of items) {
      const spec = includeSpec(ctx, item, include.valueLoc);
      if (!spec) continue;
      const { dir, shownDir } = ctx.dirOf(item);
      const files = spec.paths.map((p) => ({ absolute: path.resolve(dir, p.text), shown: path.isAbsolute(p.text) ? p.text : path.join(shownDir, p.text), node: p.node }));
      const projectAbs = spec.projectDirectory ? path.resolve(dir, spec.projectDirectory) : path.dirname(files[0].absolute);
      const projectShown = spec.projectDirectory ? (path.isAbsolute(spec.projectDirectory) ? spec.projectDirectory : path.join(shownDir, spec.projectDirectory)) : path.dirname(files[0].shown);
      const env = this.includeEnv(spec, { dir, shownDir }, { dir: projectAbs, shownDir: projectShown }, ctx.loc(item, include.valueLoc));
      const roots: YamlNode[] = [];
      for (const f of files) {
        const at = ctx.loc(f.node, include.valueLoc);
        const chain = [...this.includedFrom, this.file.path];
        if (chain.includes(f.absolute)) {
          const shown = (p: string) => path.relative(path.dirname(chain[0]), p) || p;
          ctx.error("E_INCLUDE", `include loops: ${[...chain, f.absolute].map(shown).join(" → ")}`, at);
          continue;
        }
        const file = cachedFile(ctx, { shown: f.shown, absolute: f.absolute }, { dir: projectAbs, shownDir: projectShown }, env, at);
        if (file) roots.push(new FileReader(ctx, file, chain).document());
      }
      if (roots.length === 0) continue;
      const merged = mergeRoots(ctx, roots);
      if (!isMap(merged)) continue;
      for (const section of mapEntries(ctx, merged)) {
        if (!SECTIONS.includes(section.key) || !isMap(section.value)) continue;
        imported.push({ entries: mapEntries(ctx, section.value), section: section.key, from: files.map((f) => f.shown).join(", ") });
      }
    }
    return withImported(ctx, root, imported);
  }

  /**
   * The variables an included file is interpolated with: the including file's (the shell's and
   * its .env) over the included one's env files, its project's .env by default (compose-go's rule).
   */
  private includeEnv(spec: IncludeSpec, here: { dir: string; shownDir: string }, project: { dir: string; shownDir: string }, at: SourceLoc): Record<string, string | undefined> {
    const { ctx } = this;
    const shell = definedOnly(this.file.env);
    if (spec.envFiles.length === 0) {
      const dotenv = loadDotenvBeside(project.dir, project.shownDir);
      ctx.diagnostics.push(...dotenv.problems);
      if (dotenv.text !== null) ctx.hashedFiles.push({ file: path.relative(ctx.settings.dir, path.join(project.dir, ".env")), text: dotenv.text });
      return { ...dotenv.values, ...shell };
    }
    const values: Record<string, string> = {};
    for (const f of spec.envFiles) {
      const absolute = path.resolve(here.dir, f.text);
      const shown = path.isAbsolute(f.text) ? f.text : path.join(here.shownDir, f.text);
      const read = readTextFile(absolute);
      if (read.text === null) {
        ctx.error("E_ENV_FILE", `include: cannot read env_file '${f.text}' (${shown}): ${read.reason}`, ctx.loc(f.node, at));
        continue;
      }
      ctx.hashedFiles.push({ file: path.relative(ctx.settings.dir, absolute), text: read.text });
      const parsed = parseDotenv(new SourceText(shown, read.text), "E_ENV_FILE", (key) => shell[key] ?? values[key]);
      ctx.diagnostics.push(...parsed.problems);
      Object.assign(values, parsed.values);
    }
    return { ...values, ...shell };
  }
}

const SECTIONS = ["services", "networks", "volumes", "secrets", "configs"];

/**
 * This file's root with the imported resources added. compose refuses an imported service the
 * including file also defines, and another resource defined twice unless both say the same.
 */
function withImported(ctx: LoadContext, root: YAMLMap, imported: { entries: MapEntry[]; section: string; from: string }[]): YAMLMap {
  // `include:` stays: the top-level reader knows a file of includes may have no services of its own.
  const entries = mapEntries(ctx, root);
  for (const { entries: incoming, section, from } of imported) {
    let at = entries.findIndex((e) => e.key === section);
    if (at === -1) {
      // A section only the included files have: shown where this file's map starts.
      entries.push({ key: section, keyNode: ctx.adopt(new Scalar(section), root), keyLoc: ctx.loc(root), value: ctx.adopt(new YAMLMap(), root), valueLoc: ctx.loc(root) });
      at = entries.length - 1;
    }
    const existing = entries[at];
    // A section that is not a map is reported by its reader; nothing is added to it.
    if (!isMap(existing.value) && !isNullNode(existing.value)) continue;
    const current = isMap(existing.value) ? mapEntries(ctx, existing.value) : [];
    for (const e of incoming) {
      const clash = current.find((c) => c.key === e.key);
      if (clash) {
        if (section === "services" || JSON.stringify(clash.value?.toJSON() ?? null) !== JSON.stringify(e.value?.toJSON() ?? null)) {
          const what = section === "services" ? "service" : section.slice(0, -1);
          ctx.error("E_INCLUDE", `${what} '${e.key}' is defined here and in the included ${from} (${e.keyLoc.file}:${e.keyLoc.line}:${e.keyLoc.col}): compose refuses an included ${what} that conflicts`, clash.keyLoc);
        }
        continue;
      }
      current.push(e);
    }
    const map = ctx.adopt(new YAMLMap(), existing.value ?? root);
    map.items = current.map((c) => new Pair(c.keyNode, c.value)) as YAMLMap["items"];
    entries[at] = { ...existing, value: map };
  }
  return rebuilt(ctx, root, entries);
}

/** A map of `entries` standing where `like` is. */
function rebuilt(ctx: LoadContext, like: YAMLMap, entries: MapEntry[]): YAMLMap {
  const map = ctx.adopt(new YAMLMap(), like);
  map.items = entries.map((e) => new Pair(e.keyNode, e.value)) as YAMLMap["items"];
  return map;
}

interface ExtendsTarget {
  service: string;
  serviceNode: YamlNode;
  file?: string;
  fileNode: YamlNode;
}

/** `extends: name` or `extends: {service, file}`. */
function extendsTarget(ctx: LoadContext, ext: MapEntry): ExtendsTarget | null {
  const text = scalarText(ext.value);
  if (text) return { service: text, serviceNode: ext.value, fileNode: null };
  if (!isMap(ext.value)) {
    ctx.error("E_TYPE", `extends must be a service name or a map {service, file}, got ${describe(ext.value)}`, ext.valueLoc);
    return null;
  }
  const fields = mapEntries(ctx, ext.value);
  for (const f of fields) {
    if (f.key !== "service" && f.key !== "file") ctx.error("E_TYPE", `extends.${f.key} is not a compose key (service, file)`, f.keyLoc);
  }
  const service = fields.find((f) => f.key === "service");
  const file = fields.find((f) => f.key === "file");
  const name = scalarText(service?.value ?? null);
  if (!name) {
    ctx.error("E_TYPE", `extends.service must be a service name, got ${describe(service?.value ?? null)}`, service?.valueLoc ?? ext.keyLoc);
    return null;
  }
  if (file && !scalarText(file.value)) {
    ctx.error("E_TYPE", `extends.file must be a path, got ${describe(file.value)}`, file.valueLoc);
    return null;
  }
  return { service: name, serviceNode: service!.value, file: file ? scalarText(file.value) : undefined, fileNode: file?.value ?? null };
}

interface IncludeSpec {
  paths: { text: string; node: YamlNode }[];
  projectDirectory?: string;
  envFiles: { text: string; node: YamlNode }[];
}

/** One `include:` item: a path, or {path (one or a list), project_directory, env_file (one or a list)}. */
function includeSpec(ctx: LoadContext, item: YamlNode, at: SourceLoc): IncludeSpec | null {
  const text = scalarText(item);
  if (text) return { paths: [{ text, node: item }], envFiles: [] };
  if (!isMap(item)) {
    ctx.error("E_TYPE", `include entries must be a path or a map {path, project_directory, env_file}, got ${describe(item)}`, ctx.loc(item, at));
    return null;
  }
  const spec: IncludeSpec = { paths: [], envFiles: [] };
  const texts = (e: MapEntry) => {
    const nodes = isSeq(e.value) ? seqItems(ctx, e.value) : [e.value];
    const out: { text: string; node: YamlNode }[] = [];
    for (const node of nodes) {
      const t = scalarText(node);
      if (t) out.push({ text: t, node });
      else ctx.error("E_TYPE", `include.${e.key} must be a path or a list of paths, got ${describe(node)}`, ctx.loc(node, e.valueLoc));
    }
    return out;
  };
  for (const e of mapEntries(ctx, item)) {
    if (e.key === "path") spec.paths = texts(e);
    else if (e.key === "env_file") spec.envFiles = texts(e);
    else if (e.key === "project_directory") {
      const t = scalarText(e.value);
      if (t) spec.projectDirectory = t;
      else ctx.error("E_TYPE", `include.project_directory must be a path, got ${describe(e.value)}`, e.valueLoc);
    } else ctx.error("E_UNSUPPORTED_KEY", `include.${e.key} is not a compose key (path, project_directory, env_file)`, e.keyLoc);
  }
  if (spec.paths.length === 0) {
    ctx.error("E_TYPE", "an include entry needs path: the compose file to include", ctx.loc(item, at));
    return null;
  }
  return spec;
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
