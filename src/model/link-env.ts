/**
 * The legacy link environment Docker's `--link` injected and the article relies on
 * ("mysql's address, port and environment are configured into the tomcat container").
 * User-defined networks do not inject them, so Berth does, pointing at the alias (which
 * resolves on the project network) instead of a bridge address.
 */
export function linkEnvironment(
  alias: string,
  targetName: string,
  ports: readonly { port: number; protocol: string }[],
  targetEnv: Record<string, string>,
): Record<string, string> {
  const prefix = alias.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  const env: Record<string, string> = {};
  env[`${prefix}_NAME`] = `/${targetName}/${alias}`;
  const sorted = [...ports].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  if (sorted.length > 0) env[`${prefix}_PORT`] = `${sorted[0].protocol}://${alias}:${sorted[0].port}`;
  for (const { port, protocol } of sorted) {
    const key = `${prefix}_PORT_${port}_${protocol.toUpperCase()}`;
    env[key] = `${protocol}://${alias}:${port}`;
    env[`${key}_ADDR`] = alias;
    env[`${key}_PORT`] = String(port);
    env[`${key}_PROTO`] = protocol;
  }
  for (const [k, v] of Object.entries(targetEnv)) env[`${prefix}_ENV_${k}`] = v;
  return env;
}
