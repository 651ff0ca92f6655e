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
