import { Command } from "commander";
import { isUserError } from "../core/errors.js";
import { ExitCode } from "./exit.js";
import { BERTH_VERSION } from "./version.js";
import { processOutput, type Output } from "./output.js";
import { registerCommands } from "./commands/index.js";

export function buildProgram(output: Output = processOutput()): Command {
  const program = new Command("berth")
    .description("Plan and apply Docker applications described by compose templates")
    .version(BERTH_VERSION, "-v, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride();
  registerCommands(program, output);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const output = processOutput();
  const program = buildProgram(output);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    return exitCodeFor(e, output);
  }
}

/** Errors go through output.err, which scrubs the secrets of the workspace a command opened. */
function exitCodeFor(e: unknown, output: Output): number {
  if (e instanceof ExitCode) return e.code;
  const commanderExit = e as { code?: string; exitCode?: number };
  if (typeof commanderExit.code === "string" && commanderExit.code.startsWith("commander.")) {
    // --help and --version exit 0; usage mistakes exit 1 (commander already printed them).
    return commanderExit.exitCode === 0 ? 0 : 1;
  }
  if (isUserError(e)) {
    output.err(e.toString());
    return 1;
  }
  const err = e as Error;
  output.err(`Error: internal error: ${err?.message ?? String(e)}`);
  if (process.env.BERTH_DEBUG === "1") output.err(err?.stack ?? "");
  else output.err("(set BERTH_DEBUG=1 for the stack trace; this is a bug in Berth)");
  return 1;
}

const code = await main(process.argv);
// Exit once stdout has drained (a piped plan must not be cut short), without waiting for
// idle sockets a client library may keep open.
process.stdout.write("", () => process.exit(code));
