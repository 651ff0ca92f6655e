import { InvalidArgumentError } from "commander";

/** Exit codes as Terraform's: 0 success, 1 error, 2 "changes present" with --detailed-exitcode. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Flag values are checked where they are parsed, so a bad one is a usage error before anything runs. */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got '${value}'`);
  return Number(value);
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
