import { SENSITIVE_KEY } from "../core/secrets.js";
import type { ServiceSpec } from "../template/types.js";

/** Label naming environment variables and labels whose values are secret, comma-separated. */
export const SENSITIVE_LABEL = "berth.sensitive";

/**
 * Secret values a service carries where no secret-looking key names them: a variable like
 * ${DB_PASSWORD} interpolated into a command or a URL, or a value the user marks with the
 * berth.sensitive label. They are kept under `sensitive_values`, in the state too, so the plan
 * marks them secret wherever they stand whole (src/core/secrets.ts) and every output scrubs
 * them from longer text (src/core/mask.ts).
 */
export function sensitiveValues(spec: ServiceSpec, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const found: Record<string, string> = {};
  const text = JSON.stringify([spec.command, spec.entrypoint, spec.environment, spec.labels, spec.image, spec.volumes]);
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= 4 && SENSITIVE_KEY.test(name) && text.includes(value)) found[name] = value;
  }
  const marked = (spec.labels[SENSITIVE_LABEL] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of marked) {
    const value = spec.environment[name] ?? spec.labels[name];
    if (value) found[name] = value;
  }
  return Object.fromEntries(Object.entries(found).sort(([a], [b]) => (a < b ? -1 : 1)));
}
