import type { PortAttr } from "./attributes.js";

/**
 * Where a container's published ports are reached from this machine: "8080/tcp" →
 * ["127.0.0.1:32768"]. What routes to the container (the router's upstreams) refers to this,
 * never to the container's bridge address. A port published on every address is reached on
 * loopback; a stopped container has none.
 */
export function endpointsOf(ports: readonly PortAttr[], published: Readonly<Record<string, number>>, running: boolean): Record<string, string[]> {
  if (!running) return {};
  const out: Record<string, string[]> = {};
  for (const [key, hostPort] of Object.entries(published)) {
    if (!Number.isInteger(hostPort) || hostPort < 1 || hostPort > 65535) continue;
    const [port, protocol = "tcp"] = key.split("/");
    const binding = ports.find((p) => p.container_port === Number(port) && (p.protocol ?? "tcp") === protocol);
    out[key] = [`${reachableAddress(binding?.host_ip)}:${hostPort}`];
  }
  return out;
}

function reachableAddress(hostIp: string | undefined): string {
  if (hostIp === undefined || hostIp === "" || hostIp === "0.0.0.0" || hostIp === "::" || hostIp === "::1") return "127.0.0.1";
  return hostIp;
}
