/**
 * Variable substitution exactly as docker compose does it, on one string:
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`,
 * `${VAR:+replacement}`, `${VAR+replacement}`, and `$$` for a literal `$`.
 * Pure: problems come back with their index in the input so the caller can point at them.
 */

export type Env = Record<string, string | undefined>;

export interface InterpolationProblem {
  severity: "error" | "warning";
  message: string;
  /** Index of the `$` that caused it, in the string given to `interpolate`. */
  index: number;
}

export interface Interpolated {
  value: string;
  problems: InterpolationProblem[];
  /** Index in the input that character `i` of the value came from (a substitution maps to its `$`). */
  origin(i: number): number;
}

/** A run of the output: copied verbatim from the input, or produced by one `$` expression. */
interface Piece {
  out: number;
  in: number;
  copied: boolean;
}

const NAME_START = /[A-Za-z_]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/;

export function interpolate(input: string, env: Env): Interpolated {
  const problems: InterpolationProblem[] = [];
  const pieces: Piece[] = [];
  let value = "";
  let i = 0;
  while (i < input.length) {
    const dollar = input.indexOf("$", i);
    pieces.push({ out: value.length, in: i, copied: true });
    if (dollar === -1) {
      value += input.slice(i);
      break;
    }
    value += input.slice(i, dollar);
    pieces.push({ out: value.length, in: dollar, copied: false });
    const next = input[dollar + 1];
    if (next === "$") {
      value += "$";
      i = dollar + 2;
    } else if (next === "{") {
      const close = matchingBrace(input, dollar + 1);
      if (close === -1) {
        problems.push(error(dollar, `unclosed '\${' in '${input.slice(dollar)}': expected '}' (write '$$' for a literal '$')`));
        break;
      }
      value += substituteBraced(input.slice(dollar + 2, close), dollar, env, problems);
      i = close + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      const name = NAME.exec(input.slice(dollar + 1))![0];
      value += lookup(name, dollar, env, problems);
      i = dollar + 1 + name.length;
    } else {
      problems.push(error(dollar, `invalid interpolation in '${input}': '$' must be followed by a name, '{' or '$' (write '$$' for a literal '$')`));
      value += "$";
      i = dollar + 1;
    }
  }
  return { value, problems, origin: (at) => originOf(pieces, at) };
}

function originOf(pieces: Piece[], at: number): number {
  let piece = pieces[0];
  for (const p of pieces) if (p.out <= at) piece = p;
  if (!piece) return at;
  return piece.copied ? piece.in + (at - piece.out) : piece.in;
}

/** Index of the `}` closing the `{` at `open`, counting nested `${...}` in defaults. */
function matchingBrace(input: string, open: number): number {
  let depth = 0;
  for (let i = open; i < input.length; i++) {
    if (input[i] === "{") depth++;
    else if (input[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

function substituteBraced(body: string, dollar: number, env: Env, problems: InterpolationProblem[]): string {
  const match = BRACED.exec(body);
  if (!match) {
    problems.push(error(dollar, `invalid interpolation '\${${body}}': expected \${NAME}, \${NAME:-default} or \${NAME:?message}`));
    return "";
  }
  const [, name, operator, operand = ""] = match;
  if (!operator) return lookup(name, dollar, env, problems);
  const set = env[name] !== undefined;
  const nonEmpty = set && env[name] !== "";
  const present = operator.startsWith(":") ? nonEmpty : set;
  // The operand may itself hold variables; it starts after "${NAME" and the operator.
  const operandOffset = dollar + 2 + name.length + operator.length;
  const nested = () => {
    const inner = interpolate(operand, env);
    for (const p of inner.problems) problems.push({ ...p, index: p.index + operandOffset });
    return inner.value;
  };
  switch (operator.slice(-1)) {
    case "-":
      return present ? env[name]! : nested();
    case "+":
      return present ? nested() : "";
    default: {
      if (present) return env[name]!;
      const why = nested();
      problems.push(error(dollar, `required variable ${name} is missing a value${why ? `: ${why}` : ""}`));
      return "";
    }
  }
}

function lookup(name: string, dollar: number, env: Env, problems: InterpolationProblem[]): string {
  const found = env[name];
  if (found !== undefined) return found;
  problems.push({ severity: "warning", index: dollar, message: `the ${name} variable is not set; defaulting to a blank string` });
  return "";
}

function error(index: number, message: string): InterpolationProblem {
  return { severity: "error", index, message };
}
