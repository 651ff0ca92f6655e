import type { Diagnostic } from "./errors.js";
import type { ResourceSchema } from "./provider.js";
import { MIN_SCRUBBED_LENGTH, covers, identifierPaths, sensitivePaths, stringLeavesWithPaths, valueAt, type AttrPath } from "./secrets.js";
import type { Address, Attributes } from "./types.js";

export interface SchemaAttributes {
  address: Address;
  attributes: Attributes;
  schema: ResourceSchema | undefined;
}

/**
 * A secret whose value is also a name (the image, the container) or a plain value elsewhere is
 * no secret: masking leaves names alone, so say it instead of pretending
 * ("container.wordpress[0]: the value of MYSQL_PASSWORD also appears in name, image: it is not secret").
 * One warning per secret, naming the first resource (in the given order) it shows in.
 */
export function secretReuseWarnings(resources: readonly SchemaAttributes[]): Diagnostic[] {
  const analysed = resources.map((r) => ({
    ...r,
    secret: sensitivePaths(r.attributes, r.schema),
    identifier: identifierPaths(r.schema),
  }));
  const secrets = new Map<string, { value: string; heldBy: Address }>();
  for (const r of analysed) {
    for (const path of r.secret) {
      for (const [, value] of stringLeavesWithPaths(valueAt(r.attributes, path))) {
        const name = path[path.length - 1];
        if (value !== "" && !secrets.has(name)) secrets.set(name, { value, heldBy: r.address });
      }
    }
  }
  const warnings: Diagnostic[] = [];
  for (const [name, { value, heldBy }] of secrets) {
    for (const r of analysed) {
      const where = stringLeavesWithPaths(r.attributes)
        .filter(([path, text]) => !covers(r.secret, path) && reveals(text, value, covers(r.identifier, path)))
        .map(([path]) => describePath(path));
      if (where.length === 0) continue;
      warnings.push({
        severity: "warning",
        code: "W_SECRET_REUSED",
        message: `the value of ${name}${heldBy === r.address ? "" : ` (of ${heldBy})`} also appears in ${listWords([...new Set(where)])}: it is not secret; give it a value of its own`,
        where: { address: r.address },
      });
      break;
    }
  }
  return warnings;
}

/** A name shows a secret inside it; any other value only when it is the secret whole. */
function reveals(text: string, secret: string, isIdentifier: boolean): boolean {
  if (text === secret) return true;
  return isIdentifier && secret.length >= MIN_SCRUBBED_LENGTH && text.includes(secret);
}

/** ["image"] → "image"; ["aliases", "0"] → "aliases"; ["environment", "MYSQL_USER"] → "environment.MYSQL_USER". */
function describePath(path: AttrPath): string {
  return path.filter((segment) => !/^\d+$/.test(segment)).join(".");
}

function listWords(words: string[]): string {
  return words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}
