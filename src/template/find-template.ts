import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.js";

/** The names docker compose looks for, in its order. */
export const TEMPLATE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"] as const;

/**
 * The template to load: `-f` if given, else the first of TEMPLATE_NAMES in `cwd`.
 * When `cwd` is the process's directory the path comes back as the user would write it
 * ("docker-compose.yml"), so messages and saved plans stay short and stable.
 */
export function findTemplate(cwd: string, explicit?: string): string {
  const shown = (file: string) => (path.isAbsolute(file) || path.resolve(cwd) === process.cwd() ? file : path.join(cwd, file));
  if (explicit !== undefined) {
    const file = shown(explicit);
    if (!isFile(path.resolve(cwd, explicit))) throw new UserError("E_NO_TEMPLATE", `template file '${file}' not found`);
    return file;
  }
  const found = TEMPLATE_NAMES.find((name) => isFile(path.join(cwd, name)));
  if (found) return shown(found);
  throw new UserError("E_NO_TEMPLATE", `no template found in ${path.resolve(cwd)}: tried ${TEMPLATE_NAMES.join(", ")} (or pass -f FILE)`);
}

function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}
