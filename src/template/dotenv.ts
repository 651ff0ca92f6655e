import { readFileSync } from "node:fs";
import path from "node:path";
import { UserErrors, type Diagnostic } from "../core/errors.js";
import { SourceText } from "./source-text.js";

/**
 * KEY=VALUE files: the `.env` beside a template and `env_file:` entries. Same rules as
 * docker compose: `#` comments, blank lines, an optional `export `, single quotes taken
 * literally, double quotes with backslash escapes, unquoted values trimmed and cut at ` #`.
 */

export interface DotenvFile {
  values: Record<string, string>;
  /** Bad lines, each at its file:line:col. */
  problems: Diagnostic[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"', $: "$" };

/**
 * Parses dotenv text. A line holding only `KEY` takes its value from `lookup` (compose
 * passes such variables through from the shell) and is skipped when that has none.
 */
export function parseDotenv(source: SourceText, code: string, lookup: (key: string) => string | undefined = () => undefined): DotenvFile {
  const values: Record<string, string> = {};
  const problems: Diagnostic[] = [];
  let lineStart = 0;
  for (const rawLine of source.text.split("\n")) {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    const parsed = parseLine(line);
    if (parsed && "problem" in parsed) {
      problems.push({ severity: "error", code, message: parsed.problem, where: source.locAt(lineStart + parsed.at) });
    } else if (parsed) {
      const value = parsed.value ?? lookup(parsed.key);
      if (value !== undefined) values[parsed.key] = value;
    }
    lineStart += rawLine.length + 1;
  }
  return { values, problems };
}

type ParsedLine = { key: string; value: string | undefined } | { problem: string; at: number } | null;

function parseLine(line: string): ParsedLine {
  const indent = line.length - line.trimStart().length;
  let rest = line.slice(indent);
  if (rest === "" || rest.startsWith("#")) return null;
  let at = indent;
  if (/^export\s+/.test(rest)) {
    const skipped = /^export\s+/.exec(rest)![0].length;
    rest = rest.slice(skipped);
    at += skipped;
  }
  const key = KEY.exec(rest)?.[0];
  if (!key) return { problem: `expected KEY=VALUE, got '${line.trim()}'`, at };
  const afterKey = rest.slice(key.length);
  if (afterKey.trim() === "" || afterKey.trim().startsWith("#")) return { key, value: undefined };
  const eq = afterKey.match(/^\s*=/);
  if (!eq) return { problem: `expected KEY=VALUE, got '${line.trim()}'`, at };
  const valueStart = at + key.length + eq[0].length;
  const value = parseValue(afterKey.slice(eq[0].length));
  if (typeof value === "string") return { key, value };
  return { problem: `${value.problem} in the value of ${key}`, at: valueStart };
}

function parseValue(raw: string): string | { problem: string } {
  const text = raw.trimStart();
  const quote = text[0];
  if (quote === "'" || quote === '"') {
    const close = closingQuote(text, quote);
    if (close === -1) return { problem: `unclosed ${quote} quote` };
    const trailing = text.slice(close + 1).trim();
    if (trailing !== "" && !trailing.startsWith("#")) return { problem: `unexpected '${trailing}' after the closing quote` };
    const inner = text.slice(1, close);
    return quote === "'" ? inner : inner.replace(/\\(.)/g, (all, c: string) => ESCAPES[c] ?? all);
  }
  // An unquoted value ends at a comment: a '#' after whitespace, as compose reads it.
  const comment = text.search(/\s#/);
  return (comment === -1 ? text : text.slice(0, comment)).trim();
}

function closingQuote(text: string, quote: string): number {
  for (let i = 1; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/**
 * The variables of the `.env` file in `dir` ({} when there is none), for the CLI's own
 * settings (COMPOSE_PROJECT_NAME, BERTH_DOMAIN). Process env wins: callers merge it over this.
 * `shownDir` is how `dir` should appear in messages.
 */
export function readDotenv(dir: string, shownDir: string = dir): Record<string, string> {
  const loaded = loadDotenvBeside(dir, shownDir);
  if (loaded.problems.length > 0) throw new UserErrors(loaded.problems);
  return loaded.values;
}

/** Like readDotenv, but hands problems and the text (for hashing) back instead of throwing. */
export function loadDotenvBeside(dir: string, shownDir: string): DotenvFile & { text: string | null; file: string } {
  const file = path.join(shownDir, ".env");
  const read = readTextFile(path.join(dir, ".env"));
  if (read.text === null) {
    const problems: Diagnostic[] = read.missing
      ? []
      : [{ severity: "error", code: "E_DOTENV", message: `cannot read ${file}: ${read.reason}`, where: { file, line: 1, col: 1 } }];
    return { values: {}, problems, text: null, file };
  }
  return { ...parseDotenv(new SourceText(file, read.text), "E_DOTENV"), text: read.text, file };
}

/** Reads a text file, telling "not there" apart from "there but unreadable" (a directory, no permission). */
export function readTextFile(absolute: string): { text: string; missing: false } | { text: null; missing: boolean; reason: string } {
  try {
    return { text: readFileSync(absolute, "utf8"), missing: false };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { text: null, missing: code === "ENOENT", reason: code === "ENOENT" ? "no such file" : String(code ?? e) };
  }
}
