/** Where a problem is: a place in a template, or a resource address. */
export interface SourceLoc {
  file: string;
  line: number;
  col: number;
}

export type Where = SourceLoc | { address: string } | undefined;

/**
 * Something the user can fix. Everything else is a bug and shows a stack trace only
 * with BERTH_DEBUG=1 (the one top-level catch lives in src/cli/).
 */
export class UserError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly where?: Where,
  ) {
    super(message);
    this.name = "UserError";
  }

  override toString(): string {
    return formatDiagnostic({ severity: "error", code: this.code, message: this.message, where: this.where });
  }
}

export interface Diagnostic {
  severity: "error" | "warning";
  code: string;
  message: string;
  where?: Where;
}

/** Several errors found in one pass (like Terraform's diagnostics): loading reports them all. */
export class UserErrors extends UserError {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics[0]?.code ?? "E_INVALID", diagnostics.map(formatDiagnostic).join("\n"), diagnostics[0]?.where);
  }

  /** Every diagnostic on its own line, each with its own location. */
  override toString(): string {
    return this.message;
  }
}

export function formatWhere(where: Where): string {
  if (!where) return "";
  if ("address" in where) return `${where.address}: `;
  return `${where.file}:${where.line}:${where.col}: `;
}

export function formatDiagnostic(d: Diagnostic): string {
  const prefix = d.severity === "warning" ? "Warning: " : "Error: ";
  return `${prefix}${formatWhere(d.where)}${d.message}`;
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
