import { Command } from "commander";
import { isUserError } from "../core/errors.js";
import { ExitCode } from "./exit.js";
import { BERTH_VERSION } from "./version.js";
import { processOutput } from "./output.js";
import { registerCommands } from "./commands/index.js";

export function buildProgram(): Command {
  const program = new Command("berth")
    .description("Plan and apply Docker applications described by compose templates")
    .version(BERTH_VERSION, "-v, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride();
  registerCommands(program, processOutput());
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    return exitCodeFor(e);
  }
}

function exitCodeFor(e: unknown): number {
  if (e instanceof ExitCode) return e.code;
  const commanderExit = e as { code?: string; exitCode?: number };
  if (typeof commanderExit.code === "string" && commanderExit.code.startsWith("commander.")) {
    // --help and --version exit 0; usage mistakes exit 1 (commander already printed them).
    return commanderExit.exitCode === 0 ? 0 : 1;
  }
  if (isUserError(e)) {
    process.stderr.write(`${e.toString()}\n`);
    return 1;
  }
  const err = e as Error;
  process.stderr.write(`Error: internal error: ${err?.message ?? String(e)}\n`);
  if (process.env.BERTH_DEBUG === "1") process.stderr.write(`${err?.stack ?? ""}\n`);
  else process.stderr.write("(set BERTH_DEBUG=1 for the stack trace; this is a bug in Berth)\n");
  return 1;
}

const code = await main(process.argv);
// Exit once stdout has drained (a piped plan must not be cut short), without waiting for
// idle sockets a client library may keep open.
process.stdout.write("", () => process.exit(code));
