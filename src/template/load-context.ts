import { isAlias, isNode, isScalar, visit, type Alias, type Document, type Node } from "yaml";
import type { Diagnostic, SourceLoc } from "../core/errors.js";
import type { SourceText } from "./source-text.js";
import type { ProfileSelection } from "./profiles.js";

/** A YAML node after alias resolution; null where the YAML holds nothing at all. */
export type YamlNode = Exclude<Node, Alias> | null;

export interface LoadSettings {
  /** Interpolation environment: process env over the `.env` beside the template. */
  env: Record<string, string | undefined>;
  domain: string;
  /** Absolute directory of the template: env_file paths resolve against it. */
  dir: string;
  /** Directory of the template as given, for showing env_file paths relative like the template's. */
  shownDir: string;
  /** Which services run (profiles.ts). */
  selection: ProfileSelection;
}

/**
 * One YAML file read into the load: the template, an override, a file `extends:` or `include:`
 * names. Nodes keep pointing at the file they were read from, so a merged document still
 * reports every value at its own file:line:col.
 */
export interface SourceFile {
  source: SourceText;
  /** Absolute path of the file. */
  path: string;
  doc: Document;
  /** Absolute folder relative paths written in this file resolve against (compose: an override's is the first file's). */
  dir: string;
  /** That folder as shown in messages. */
  shownDir: string;
  /** Interpolation environment of this file (an include's env_file changes it). */
  env: Record<string, string | undefined>;
}

/**
 * Everything one load shares: the template text (for locations), the parsed document (for
 * aliases), the settings and the diagnostics collected so far. Loading never stops at the
 * first problem; each reader reports here and carries on.
 */
export class LoadContext {
  readonly diagnostics: Diagnostic[] = [];
  /** Env files read while loading (paths relative to the template): their contents join the template text in the hash. */
  readonly hashedFiles: { file: string; text: string }[] = [];
  /** Scalars whose value was substituted: what was written, and where each value character came from. */
  private readonly interpolated = new Map<Node, { original: string; origin: (i: number) => number }>();
  /** Spans of values whose interpolation failed: what they hold is unknown, so nothing more is said about them. */
  private readonly unknownValues: [SourceLoc, SourceLoc][] = [];
  /** The file each node was read from; nodes made by merging take the file of the node they stand for. */
  private readonly origins = new WeakMap<Node, SourceFile>();
  /** Every file read, in reading order (the template first): they all join the hash. */
  readonly files: SourceFile[] = [];
  /** Whether any file wrote `!reset` or `!override`: when none did, nothing needs cleaning of them. */
  mergeTags = false;

  constructor(
    /** The template (the first file): where a diagnostic with no node of its own is shown. */
    readonly source: SourceText,
    readonly settings: LoadSettings,
  ) {}

  error(code: string, message: string, where: SourceLoc): void {
    if (this.unknownValues.some(([from, to]) => within(where, from, to))) return;
    this.diagnostics.push({ severity: "error", code, message, where });
  }

  warn(code: string, message: string, where: SourceLoc): void {
    this.diagnostics.push({ severity: "warning", code, message, where });
  }

  /** Where a node starts; `fallback` for nodes with no text of their own (an empty value). */
  loc(node: Node | null | undefined, fallback?: SourceLoc): SourceLoc {
    const range = node?.range;
    if (!range || (fallback && isEmptyScalar(node))) return fallback ?? this.source.locAt(0);
    return this.sourceOf(node).locAt(range[0]);
  }

  /**
   * Where character `index` of a scalar's value is. Exact when the source spells the value
   * literally up to there (plain and simple quoted scalars); otherwise the scalar's start,
   * because escapes and line folding break the one-to-one mapping.
   */
  locWithin(node: Node | null | undefined, index: number, fallback?: SourceLoc): SourceLoc {
    if (!node || !isScalar(node) || !node.range || isEmptyScalar(node)) return this.loc(node, fallback);
    // A substituted value is mapped back to the text as written first.
    const substituted = this.interpolated.get(node);
    const written = substituted ? substituted.original : String(node.value ?? "");
    const at = substituted ? substituted.origin(index) : index;
    const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
    const start = node.range[0] + (quoted ? 1 : 0);
    const source = this.sourceOf(node);
    const spelled = source.text.slice(start, start + at);
    return spelled === written.slice(0, at) ? source.locAt(start + at) : this.loc(node, fallback);
  }

  /** Follows an alias to its anchored node. (Aliases to nothing are rejected before any reading starts.) */
  resolve(node: Node | null | undefined): YamlNode {
    if (!node) return null;
    if (!isAlias(node)) return node as YamlNode;
    const doc = this.origins.get(node)?.doc ?? this.files[0]?.doc;
    return ((doc && node.resolve(doc)) as YamlNode | undefined) ?? null;
  }

  /** Records that every node of `file`'s document was read from it. */
  addFile(file: SourceFile): void {
    this.files.push(file);
    visit(file.doc, (_key, node) => {
      if (!isNode(node)) return;
      this.origins.set(node, file);
      if (node.tag === "!reset" || node.tag === "!override") this.mergeTags = true;
    });
  }

  /** A node made while merging stands for `like`: it is shown where `like` is, in `like`'s file. */
  adopt<T extends Node>(made: T, like: Node | null | undefined): T {
    const file = like ? this.origins.get(like) : undefined;
    if (file) this.origins.set(made, file);
    if (like?.range) made.range = like.range;
    return made;
  }

  /** The file a node was read from (the template for nodes made without one). */
  fileOf(node: Node | null | undefined): SourceFile | undefined {
    return node ? this.origins.get(node) : undefined;
  }

  sourceOf(node: Node): SourceText {
    return this.origins.get(node)?.source ?? this.source;
  }

  /** The folder a relative path written in `node` resolves against, absolute and as shown. */
  dirOf(node: Node | null | undefined): { dir: string; shownDir: string } {
    const file = this.fileOf(node);
    return file ? { dir: file.dir, shownDir: file.shownDir } : { dir: this.settings.dir, shownDir: this.settings.shownDir };
  }

  rememberInterpolation(node: Node, original: string, origin: (i: number) => number): void {
    this.interpolated.set(node, { original, origin });
  }

  markUnknown(node: Node): void {
    const source = this.sourceOf(node);
    if (node.range) this.unknownValues.push([source.locAt(node.range[0]), source.locAt(node.range[1])]);
  }

  get hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === "error");
  }
}

function within(where: SourceLoc, from: SourceLoc, to: SourceLoc): boolean {
  const before = (a: SourceLoc, b: SourceLoc) => a.line < b.line || (a.line === b.line && a.col <= b.col);
  return where.file === from.file && before(from, where) && before(where, to);
}

function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && !!node.range && node.range[0] === node.range[1];
}
