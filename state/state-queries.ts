import { UserError } from "../src/core/errors.js";
import type { Address, RecordedResource } from "../src/core/types.js";
import type { StateFile } from "./backend.js";
import { compareAddresses } from "./new-state.js";

/** Every recorded address, in address order. */
export function listAddresses(state: StateFile | null): Address[] {
  return (state?.resources ?? []).map((resource) => resource.address).sort(compareAddresses);
}

/** The recorded resource at `address`; E_NO_SUCH_RESOURCE (suggesting close matches) otherwise. */
export function showResource(state: StateFile | null, address: Address): RecordedResource {
  const found = state?.resources.find((resource) => resource.address === address);
  if (found === undefined) throw noSuchResource(state, address);
  return found;
}

/** The state's resources without `address` (a new array; the state is left untouched). */
export function removeResource(state: StateFile | null, address: Address): RecordedResource[] {
  showResource(state, address);
  return (state?.resources ?? []).filter((resource) => resource.address !== address);
}

/**
 * `berth state mv FROM TO`: the records at FROM (one address, or every replica of
 * `container.web`) renamed to TO, each marked with the address it had when last applied, so
 * the next plan renames what runs rather than replacing it. A new array; the state is untouched.
 */
export function moveResources(state: StateFile | null, from: Address, to: Address): { resources: RecordedResource[]; moved: [Address, Address][] } {
  const resources = state?.resources ?? [];
  const [fromType, toType] = [from.split(".")[0], to.split(".")[0]];
  if (fromType !== toType) throw new UserError("E_STATE_MV", `cannot move ${from} to ${to}: a ${fromType} stays a ${fromType}`, { address: from });
  if (/\[\d+\]$/.test(from) !== /\[\d+\]$/.test(to)) {
    throw new UserError("E_STATE_MV", `cannot move ${from} to ${to}: move one replica to one replica, or a service's replicas to a service`, { address: from });
  }
  const renamed = new Map<Address, Address>();
  for (const r of resources) {
    if (r.address === from) renamed.set(r.address, to);
    else if (r.address.startsWith(`${from}[`) && /^\[\d+\]$/.test(r.address.slice(from.length))) renamed.set(r.address, `${to}${r.address.slice(from.length)}`);
  }
  if (renamed.size === 0) throw noSuchResource(state, from);
  const taken = [...renamed.values()].find((a) => resources.some((r) => r.address === a && !renamed.has(a)));
  if (taken) throw new UserError("E_STATE_MV", `cannot move ${from} to ${to}: the state already has ${taken}`, { address: taken });
  const moved = resources.map((r) => {
    const next = renamed.get(r.address);
    if (next === undefined) return r;
    const service = r.service === undefined || r.service === null ? {} : { service: next.slice(next.indexOf(".") + 1).replace(/\[\d+\]$/, "") };
    return { ...r, address: next, ...service, movedFrom: r.movedFrom ?? r.address };
  });
  return { resources: moved, moved: [...renamed].sort(([a], [b]) => compareAddresses(a, b)) };
}

function noSuchResource(state: StateFile | null, address: Address): UserError {
  const matches = closeMatches(address, listAddresses(state));
  const hint = matches.length > 0 ? `; did you mean ${matches.join(", ")}?` : state?.resources.length ? "" : "; the state is empty";
  return new UserError("E_NO_SUCH_RESOURCE", `no resource ${address} in the state${hint}`, { address });
}

const MAX_SUGGESTIONS = 5;

/**
 * Addresses a user probably meant: those that contain or extend what was typed
 * ("container.web" → "container.web[0]") and those a few edits away ("container.wbe[0]").
 */
export function closeMatches(wanted: Address, candidates: readonly Address[]): Address[] {
  const needle = wanted.toLowerCase();
  const budget = Math.max(2, Math.floor(wanted.length / 4));
  return candidates
    .map((candidate) => {
      const hay = candidate.toLowerCase();
      const distance = hay.includes(needle) || needle.includes(hay) ? 0 : editDistance(needle, hay);
      return { candidate, distance };
    })
    .filter(({ distance }) => distance <= budget)
    .sort((a, b) => a.distance - b.distance || compareAddresses(a.candidate, b.candidate))
    .slice(0, MAX_SUGGESTIONS)
    .map(({ candidate }) => candidate);
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}
