import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { UserError, UserErrors, type Diagnostic } from "../core/errors.js";
import { loadDotenvBeside } from "./dotenv.js";
import { composeDocument, parseSourceFile } from "./compose-files.js";
import { LoadContext, type LoadSettings, type YamlNode } from "./load-context.js";
import { checkAcrossServices } from "./semantic-checks.js";
import { readService } from "./service.js";
import { activeServices } from "./profiles.js";
import { SourceText } from "./source-text.js";
import { readTopLevel } from "./top-level.js";
import { checkVolumeReferences } from "./top-level-volumes.js";
import { checkNetworkReferences } from "./top-level-networks.js";
import { checkFileReferences } from "./top-level-files.js";
import type { LoadOptions, Template } from "./types.js";

export { readDotenv } from "./dotenv.js";
export { findTemplates, OVERRIDE_NAMES, TEMPLATE_NAMES } from "./find-template.js";
export { serviceDependencies } from "./dependencies.js";

/**
 * Reads, interpolates, parses and validates a compose template. Every problem found is
 * reported at once (UserErrors, each at file:line:col); things Berth ignores are warnings
 * on the returned template. Several files (several -f, COMPOSE_FILE, the override file) are
 * merged as docker compose merges them; the first is the template, and its folder the
 * project's.
 */
export async function loadTemplate(files: string | readonly string[], opts: LoadOptions): Promise<Template> {
  const [file, ...others] = typeof files === "string" ? [files] : files;
  const text = await readTemplateText(file);
  for (const other of others) await readTemplateText(other);
  const shownDir = path.dirname(file);
  const dir = path.resolve(shownDir);
  const dotenv = loadDotenvBeside(dir, shownDir);
  const selection = { profiles: opts.profiles ?? [], services: opts.services ?? [] };
  const settings: LoadSettings = { env: { ...dotenv.values, ...definedOnly(opts.env) }, domain: opts.domain, dir, shownDir, selection };

  const source = new SourceText(file, text);
  const ctx = new LoadContext(source, settings);
  const first = parseSourceFile(ctx, source, path.resolve(file), { dir, shownDir }, settings.env);
  ctx.diagnostics.push(...dotenv.problems);
  if (dotenv.text !== null) ctx.hashedFiles.push({ file: ".env", text: dotenv.text });
  const otherFiles = others.map((o) => ({ shown: o, absolute: path.resolve(o) }));
  const root = first ? composeDocument(ctx, first, otherFiles) : undefined;
  const template = root !== undefined ? readTemplate(ctx, root) : null;
  const errors = sortDiagnostics(file, ctx.diagnostics.filter((d) => d.severity === "error"));
  if (errors.length > 0 || !template) throw new UserErrors(errors);
  return { ...template, warnings: sortDiagnostics(file, ctx.diagnostics.filter((d) => d.severity === "warning")) };
}

function readTemplate(ctx: LoadContext, root: YamlNode): Omit<Template, "warnings"> | null {
  const top = readTopLevel(ctx, root);
  if (!top) return null;
  const drafts = top.services.map((s) => readService(ctx, s.name, s.nameLoc, s.value));
  const active = activeServices(ctx, drafts, ctx.settings.selection);
  checkAcrossServices(ctx, drafts, active);
  checkVolumeReferences(ctx, active, top.volumes, top.format);
  checkNetworkReferences(ctx, active, top.networks);
  checkFileReferences(ctx, active, top.files);
  const services = active.map((d) => d.spec).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const inactiveServices = drafts.filter((d) => !active.includes(d)).map((d) => d.spec.name).sort();
  return {
    file: ctx.source.file,
    dir: ctx.settings.dir,
    name: top.name,
    services,
    inactiveServices,
    volumes: top.volumes,
    networks: top.networks,
    files: top.files,
    format: top.format,
    engine: top.engine,
    hash: templateHash(ctx),
  };
}

async function readTemplateText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : String(code ?? e);
    throw new UserError("E_NO_TEMPLATE", `cannot read template '${file}': ${why}`);
  }
}

/** The template text and every env file it read: a saved plan is refused if any changed. */
function templateHash(ctx: LoadContext): string {
  const hash = createHash("sha256").update(ctx.source.text);
  // The other compose files (override, extends, include); a lone template hashes as it always did.
  for (const { source } of ctx.files.slice(1)) hash.update(`\0${source.file}\0${source.text}`);
  for (const { file, text } of ctx.hashedFiles) hash.update(`\0${file}\0${text}`);
  return hash.digest("hex");
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * The template's own diagnostics first, then each env file's, each by line and column, with
 * exact repeats dropped: a setting merged into several services from one anchor is
 * reported once, at the anchor.
 */
function sortDiagnostics(templateFile: string, diagnostics: Diagnostic[]): Diagnostic[] {
  const unique = [...new Map(diagnostics.map((d) => [JSON.stringify(d), d])).values()];
  const place = (d: Diagnostic) => (d.where && "line" in d.where ? d.where : { file: "", line: 0, col: 0 });
  const fileOrder = [...new Set([templateFile, ...unique.map((d) => place(d).file)])];
  return unique.sort((a, b) => {
    const [pa, pb] = [place(a), place(b)];
    return fileOrder.indexOf(pa.file) - fileOrder.indexOf(pb.file) || pa.line - pb.line || pa.col - pb.col;
  });
}
