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
export function findTemplate(cwd: string, explicit?: string | readonly string[], env: Readonly<Record<string, string | undefined>> = {}): string {
  const shown = (file: string) => (path.isAbsolute(file) || path.resolve(cwd) === process.cwd() ? file : path.join(cwd, file));
  const given = explicit === undefined ? [] : typeof explicit === "string" ? [explicit] : [...explicit];
  if (given.length === 0 && env.COMPOSE_FILE) given.push(...env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR || ":").filter(Boolean));
  if (given.length > 1) {
    // docker compose merges them; reading only one would apply a template the user did not write.
    throw new UserError("E_UNSUPPORTED", `several compose files (${given.join(", ")}): docker compose merges them, Berth reads one template; merge them into one file`);
  }
  if (given.length === 1) {
    const file = shown(given[0]);
    if (!isFile(path.resolve(cwd, given[0]))) throw new UserError("E_NO_TEMPLATE", `template file '${file}' not found`);
    return file;
  }
  const found = TEMPLATE_NAMES.find((name) => isFile(path.join(cwd, name)));
  if (found) {
    refuseOverride(cwd, found, shown);
    return shown(found);
  }
  throw new UserError("E_NO_TEMPLATE", `no template found in ${path.resolve(cwd)}: tried ${TEMPLATE_NAMES.join(", ")} (or pass -f FILE)`);
}

function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}

/**
 * Without -f, docker compose also reads the override file beside the template and merges it in.
 * Berth does not merge: reading the template alone would silently drop what the override says.
 */
function refuseOverride(cwd: string, template: string, shown: (file: string) => string): void {
  const base = template.replace(/\.ya?ml$/, "");
  const override = [`${base}.override.yaml`, `${base}.override.yml`].find((name) => isFile(path.join(cwd, name)));
  if (override) {
    throw new UserError(
      "E_UNSUPPORTED",
      `${shown(override)} overrides ${shown(template)}, and Berth does not merge override files: merge it into the template, or pass -f ${template} to use the template alone`,
    );
  }
}
