import type { Address } from "../core/types.js";

export const NETWORK_ADDRESS: Address = "network.default";

export function containerAddress(service: string, index: number): Address {
  return `container.${service}[${index}]`;
}

export function routeAddress(virtualHost: string): Address {
  return `route.${virtualHost}`;
}

export function upstreamAddress(name: string): Address {
  return `upstream.${name}`;
}

export function discoveryAddress(project: string, service: string): Address {
  return `discovery.${project}_${service}`;
}

/** Docker's name for replica i (0-based) of a service, as docker compose v1 names them. */
export function containerName(project: string, service: string, index: number): string {
  return `${project}_${service}_${index + 1}`;
}

export function networkName(project: string): string {
  return `${project}_default`;
}

/**
 * Orders addresses the way people count: container.web[2] before container.web[10].
 * Used everywhere an order is shown, so every output is deterministic.
 */
export function compareAddresses(a: Address, b: Address): number {
  const pa = splitIndex(a);
  const pb = splitIndex(b);
  if (pa.base !== pb.base) return pa.base < pb.base ? -1 : 1;
  return pa.index - pb.index;
}

function splitIndex(address: Address): { base: string; index: number } {
  const m = /^(.*)\[(\d+)\]$/.exec(address);
  return m ? { base: m[1], index: Number(m[2]) } : { base: address, index: -1 };
}

/** "container.web" targets every replica of web; an exact address targets itself. */
export function addressMatches(target: Address, address: Address): boolean {
  return address === target || address.startsWith(`${target}[`);
}
