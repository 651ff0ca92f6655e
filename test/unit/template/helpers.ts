import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { UserErrors, type Diagnostic } from "../../../src/core/errors.js";
import { loadTemplate } from "../../../src/template/load.js";
import type { Template } from "../../../src/template/types.js";

const createdDirs: string[] = [];
afterAll(() => {
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory removed after the test file. */
export function tempDir(prefix = "berth-template-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}

/** A fresh directory holding docker-compose.yml (and any other files given); returns the template path. */
export function writeTemplate(yaml: string, files: Record<string, string> = {}): string {
  const dir = tempDir();
  const file = path.join(dir, "docker-compose.yml");
  writeFileSync(file, yaml);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return file;
}

export function load(yaml: string, opts: { env?: Record<string, string>; files?: Record<string, string> } = {}): Promise<Template> {
  return loadTemplate(writeTemplate(yaml, opts.files), { env: opts.env ?? {}, domain: "localhost" });
}

/** "docker-compose.yml:3:10: message", with the file shown relative to the template's directory. */
export function shown(d: Diagnostic, dir: string): string {
  const where = d.where && "line" in d.where ? `${path.relative(dir, d.where.file)}:${d.where.line}:${d.where.col}: ` : "";
  return `${where}${d.message}`;
}

/** Loads a template that must fail; returns every error as shown(). */
export async function errorsOf(yaml: string, opts: { env?: Record<string, string>; files?: Record<string, string> } = {}): Promise<string[]> {
  const file = writeTemplate(yaml, opts.files);
  try {
    await loadTemplate(file, { env: opts.env ?? {}, domain: "localhost" });
  } catch (e) {
    if (!(e instanceof UserErrors)) throw e;
    return e.diagnostics.map((d) => shown(d, path.dirname(file)));
  }
  throw new Error("expected the template to be rejected");
}

export async function warningsOf(yaml: string, opts: { env?: Record<string, string>; files?: Record<string, string> } = {}): Promise<string[]> {
  const file = writeTemplate(yaml, opts.files);
  const template = await loadTemplate(file, { env: opts.env ?? {}, domain: "localhost" });
  return template.warnings.map((d) => shown(d, path.dirname(file)));
}
