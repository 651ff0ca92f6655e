import type { Address } from "../core/types.js";

export const NETWORK_ADDRESS: Address = "network.default";

export function containerAddress(service: string, index: number): Address {
  return `container.${service}[${index}]`;
}

export function imageAddress(service: string): Address {
  return `image.${service}`;
}

/** The tag a built image gets, as docker compose v2 names it: `image:` if given, else <project>-<service>. */
export function builtImageTag(project: string, service: string, image: string | null): string {
  return image ?? `${project}-${service}`;
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

export { compareAddresses } from "../core/address-order.js";

/** "container.web" targets every replica of web; an exact address targets itself. */
export function addressMatches(target: Address, address: Address): boolean {
  return address === target || address.startsWith(`${target}[`);
}
