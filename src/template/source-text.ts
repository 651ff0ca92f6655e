import { LineCounter } from "yaml";
import type { SourceLoc } from "../core/errors.js";

/**
 * One file's text with a line index, so any byte offset can be turned into the
 * `file:line:col` every diagnostic carries. Templates, `.env` and env_file files all use it.
 */
export class SourceText {
  readonly lines = new LineCounter();

  constructor(
    /** Path as shown to the user (relative stays relative). */
    readonly file: string,
    readonly text: string,
  ) {
    // The LineCounter is normally filled by the YAML lexer; env files are not YAML,
    // so index the newlines here and let the YAML parser use a fresh counter of its own.
    this.lines.addNewLine(0);
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.lines.addNewLine(i + 1);
  }

  locAt(offset: number): SourceLoc {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.file, line, col };
  }
}
