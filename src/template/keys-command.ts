import { isSeq } from "yaml";
import { readScalarList } from "./key-helpers.js";
import type { KeyInput, KeyReader } from "./service-draft.js";
import { splitShellWords } from "./shell-words.js";
import { describe, isNullNode, scalarText } from "./yaml-nodes.js";

/**
 * `command:` and `entrypoint:`: a list is argv as written; a string is split like a shell
 * would split it (compose does not run it through `sh -c` unless you write that yourself).
 */
function readArgv(input: KeyInput): string[] | null {
  const { ctx, value } = input;
  if (isNullNode(value)) return null;
  if (isSeq(value)) return readScalarList(input, "strings").map((item) => item.text);
  const text = scalarText(value);
  if (text === undefined) {
    ctx.error("E_TYPE", `${input.key} must be a string or a list of strings, got ${describe(value)}`, input.valueLoc);
    return null;
  }
  const split = splitShellWords(text);
  if ("problem" in split) {
    ctx.error("E_COMMAND", `${input.key}: ${split.problem}`, input.valueLoc);
    return null;
  }
  return split.words;
}

export const readCommand: KeyReader = (input, draft) => {
  draft.spec.command = readArgv(input);
};

export const readEntrypoint: KeyReader = (input, draft) => {
  draft.spec.entrypoint = readArgv(input);
};
