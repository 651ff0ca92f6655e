/**
 * Who made an engine object Berth did not make, from its labels: docker compose writes its
 * project and service on everything it creates.
 */
export function madeBy(labels: Record<string, string> | undefined): string {
  const l = labels ?? {};
  const composeProject = l["com.docker.compose.project"];
  if (composeProject) {
    const service = l["com.docker.compose.service"];
    const version = l["com.docker.compose.version"];
    return `made by docker compose${version ? ` ${version}` : ""}, project ${composeProject}${service ? `, service ${service}` : ""}`;
  }
  const berthProject = l["berth.project"];
  if (berthProject) return `made by Berth for project ${berthProject}`;
  return "made outside Berth: no compose or Berth labels";
}
