import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.js";

/** The names docker compose looks for, in its order. */
export const TEMPLATE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"] as const;

/** The override files docker compose (v2) picks up beside the template when no file is named, in its order. */
export const OVERRIDE_NAMES = ["compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"] as const;

/**
 * The compose files to load, merged in order (the first is the template): every -f if given,
 * else COMPOSE_FILE's list (separated by COMPOSE_PATH_SEPARATOR, ':' by default), else the
 * first of TEMPLATE_NAMES in `cwd` and the first override file beside it, as compose picks them.
 * When `cwd` is the process's directory paths come back as the user would write them
 * ("docker-compose.yml"), so messages and saved plans stay short and stable.
 */
export function findTemplates(cwd: string, explicit?: string | readonly string[], env: Readonly<Record<string, string | undefined>> = {}): string[] {
  const shown = (file: string) => (path.isAbsolute(file) || path.resolve(cwd) === process.cwd() ? file : path.join(cwd, file));
  const given = explicit === undefined ? [] : typeof explicit === "string" ? [explicit] : [...explicit];
  if (given.length === 0 && env.COMPOSE_FILE) given.push(...env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR || ":").filter(Boolean));
  if (given.length > 0) {
    for (const file of given) {
      if (!isFile(path.resolve(cwd, file))) throw new UserError("E_NO_TEMPLATE", `template file '${shown(file)}' not found`);
    }
    return given.map(shown);
  }
  const found = TEMPLATE_NAMES.find((name) => isFile(path.join(cwd, name)));
  if (!found) throw new UserError("E_NO_TEMPLATE", `no template found in ${path.resolve(cwd)}: tried ${TEMPLATE_NAMES.join(", ")} (or pass -f FILE)`);
  const override = OVERRIDE_NAMES.find((name) => isFile(path.join(cwd, name)));
  return override ? [shown(found), shown(override)] : [shown(found)];
}

function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}
