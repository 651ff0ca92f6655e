import type { Masker } from "../core/mask.js";
import { shouldColor } from "../render/color.js";

/** Where the CLI writes: stdout for results, stderr for warnings and progress. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
  /** A terminal a person sits at: prompts and the Ink view are allowed. */
  interactive: boolean;
  /**
   * From now on, scrub these secrets from what err() writes: warnings and errors quote what
   * engines and templates said. (What out() writes is rendered from masked plans and states.)
   */
  useMasker(masker: Masker): void;
}

export function processOutput(): Output {
  const interactive = Boolean(process.stdout.isTTY && process.stdin.isTTY) && !inCi(process.env) && process.env.TERM !== "dumb";
  let masker: Masker | null = null;
  return {
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (raw) => {
      const text = masker ? masker.text(raw) : raw;
      process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
    },
    color: shouldColor(process.stdout, process.env),
    interactive,
    useMasker: (m) => {
      masker = m;
    },
  };
}

/** As Ink's is-in-ci decides (any CI value but "0" or "false"): Ink draws nothing live in CI. */
function inCi(env: NodeJS.ProcessEnv): boolean {
  return "CI" in env && env.CI !== "0" && env.CI !== "false";
}
