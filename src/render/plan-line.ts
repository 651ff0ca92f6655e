/**
 * The line model every plan view shares: a line of text and how it reads in a diff. The text
 * and Markdown views print them; the TUI colours and folds them.
 */
import { palette, type Palette } from "./color.js";

export type LineKind = "create" | "delete" | "update" | "context";

export interface PlanLine {
  kind: LineKind;
  text: string;
}

export interface TextOptions {
  color: boolean;
}

export type Sym = "+" | "-" | "~" | " ";

export const KIND_OF: Record<Sym, LineKind> = { "+": "create", "-": "delete", "~": "update", " ": "context" };

export function colorSym(sym: string, pal: Palette): string {
  switch (sym.trim()) {
    case "+":
      return pal.green(sym);
    case "-":
      return pal.red(sym);
    case "~":
      return pal.yellow(sym);
    case "-/+":
    case "+/-":
      return sym.replace("-", pal.red("-")).replace("+", pal.green("+"));
    default:
      return sym;
  }
}

export { palette, type Palette };
