/**
 * Tiny ANSI helpers. Every view takes a `color` flag and asks `palette(color)` for its pens,
 * so the same code prints plain text to a pipe and colour to a terminal.
 */

export type Pen = (text: string) => string;

export interface Palette {
  green: Pen;
  red: Pen;
  yellow: Pen;
  cyan: Pen;
  bold: Pen;
  dim: Pen;
}

const ESC = "\u001b[";

function pen(open: number, close: number): Pen {
  return (text) => (text === "" ? text : `${ESC}${open}m${text}${ESC}${close}m`);
}

const identity: Pen = (text) => text;

const COLORED: Palette = {
  green: pen(32, 39),
  red: pen(31, 39),
  yellow: pen(33, 39),
  cyan: pen(36, 39),
  bold: pen(1, 22),
  dim: pen(2, 22),
};

const PLAIN: Palette = {
  green: identity,
  red: identity,
  yellow: identity,
  cyan: identity,
  bold: identity,
  dim: identity,
};

export function palette(color: boolean): Palette {
  return color ? COLORED : PLAIN;
}

/** Colour only on a real terminal, and never when NO_COLOR is set (https://no-color.org) or TERM=dumb. */
export function shouldColor(
  stream: Pick<NodeJS.WriteStream, "isTTY">,
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (!stream.isTTY) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return env.TERM !== "dumb";
}

/** Removes ANSI colour codes (for measuring or comparing coloured output). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
