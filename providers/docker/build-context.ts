import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import dockerignoreModule from "@balena/dockerignore";
import pLimit from "p-limit";
import { UserError } from "../../src/core/errors.js";

/** One thing in a build context that the build sees. */
export interface ContextEntry {
  /** Relative, "/"-separated. */
  path: string;
  kind: "dir" | "file" | "symlink";
  /** Permission bits. */
  mode: number;
  /** Files: sha256 of the content, " +x" when executable; symlinks: "-> target"; directories: "". */
  value: string;
}

/** What a build context holds once .dockerignore is applied: the digests a plan compares. */
export interface BuildContext {
  /** Sorted by path: what the build sees, the Dockerfile always among them. */
  entries: ContextEntry[];
  /** Path → digest of every file and symlink (the `files` attribute). */
  files: Record<string, string>;
  /** sha256 over every entry's path, kind, mode and digest (the `context_digest` attribute). */
  digest: string;
  /** The Dockerfile's path inside the context, or null when it lies outside (its text is then sent beside). */
  dockerfileInContext: string | null;
}

export const DOCKERIGNORE = ".dockerignore";

/** Files read and digested at once: enough to keep the disk busy, few enough to stay under the descriptor limit. */
const DIGEST_CONCURRENCY = 16;
/** Smaller files are read whole (one call); larger ones streamed. */
const WHOLE_READ_BYTES = 1 << 20;

// A CommonJS module typed as an ES default export: its function is also its own `default`.
const dockerignore = dockerignoreModule.default;

/**
 * Reads a build context as the engine's builder will see it: every file `.dockerignore` keeps
 * (Docker's pattern rules, `!` exceptions included), plus the Dockerfile even when ignored,
 * because the builder needs it. Reads files only; no engine.
 */
export async function readBuildContext(contextDir: string, dockerfile: string | null, address: string): Promise<BuildContext> {
  const info = await lstat(contextDir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new UserError("E_BUILD_CONTEXT", `build context ${contextDir} is not a folder`, { address });
  }
  const rules = await readIgnoreRules(contextDir);
  const limit = pLimit(DIGEST_CONCURRENCY);
  const matcher = dockerignore({ ignorecase: false }).add(rules);
  // Without `!` exceptions nothing inside an ignored folder can come back: it is not walked at all.
  const hasExceptions = rules.some((r) => r.trim().startsWith("!"));
  const entries: ContextEntry[] = [];
  const pending: Promise<void>[] = [];
  const walk = async (relDir: string): Promise<void> => {
    const names = (await readdir(path.join(contextDir, relDir))).sort();
    for (const name of names) {
      const rel = relDir === "" ? name : `${relDir}/${name}`;
      const ignored = matcher.ignores(rel);
      const stat = await lstat(path.join(contextDir, rel));
      if (stat.isDirectory()) {
        if (!ignored) entries.push({ path: rel, kind: "dir", mode: stat.mode & 0o7777, value: "" });
        if (!ignored || hasExceptions) await walk(rel);
      } else if (!ignored) {
        // Files are digested a few at a time while the walk goes on.
        pending.push(
          limit(async () => {
            const entry = await entryOf(contextDir, rel, stat);
            if (entry) entries.push(entry);
          }),
        );
      }
    }
  };
  try {
    await walk("");
    await Promise.all(pending);
  } catch (e) {
    throw unreadable(e, address);
  }

  const dockerfileInContext = dockerfile === null ? null : await includeDockerfile(contextDir, dockerfile, entries, address);
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const files: Record<string, string> = {};
  const hash = createHash("sha256");
  for (const e of entries) {
    if (e.kind !== "dir") files[e.path] = e.value;
    hash.update(`${e.kind} ${e.path} ${e.mode.toString(8)} ${e.value}\n`);
  }
  if (dockerfile !== null && dockerfileInContext === null) {
    // A Dockerfile outside the context is digested under the path it was given.
    const text = await readDockerfile(path.resolve(contextDir, dockerfile), address);
    files[dockerfile] = sha256(text);
    hash.update(`external ${dockerfile} ${files[dockerfile]}\n`);
  }
  return { entries, files, digest: hash.digest("hex"), dockerfileInContext };
}

/** A file the walk cannot read (permissions, removed meanwhile) is the user's to fix, named. */
function unreadable(e: unknown, address: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof UserError || typeof err?.code !== "string") return e;
  return new UserError("E_BUILD_CONTEXT", `cannot read ${err.path ?? "the build context"}: ${err.code}`, { address });
}

async function readIgnoreRules(contextDir: string): Promise<string[]> {
  try {
    return (await readFile(path.join(contextDir, DOCKERIGNORE), "utf8")).split(/\r?\n/);
  } catch {
    return [];
  }
}

async function entryOf(contextDir: string, rel: string, stat: import("node:fs").Stats): Promise<ContextEntry | null> {
  const mode = stat.mode & 0o7777;
  if (stat.isSymbolicLink()) return { path: rel, kind: "symlink", mode, value: `-> ${await readlink(path.join(contextDir, rel))}` };
  if (!stat.isFile()) return null; // sockets, fifos, devices: tar carries none of them
  const file = path.join(contextDir, rel);
  const digest = stat.size <= WHOLE_READ_BYTES ? sha256(await readFile(file)) : await fileDigest(file);
  return { path: rel, kind: "file", mode, value: mode & 0o111 ? `${digest} +x` : digest };
}

/** The Dockerfile is sent even when .dockerignore leaves it out; null when it lies outside the context. */
async function includeDockerfile(contextDir: string, dockerfile: string, entries: ContextEntry[], address: string): Promise<string | null> {
  const rel = path.relative(contextDir, path.resolve(contextDir, dockerfile)).split(path.sep).join("/");
  if (rel.startsWith("../") || rel === ".." || path.isAbsolute(rel)) return null;
  if (entries.some((e) => e.path === rel)) return rel;
  const stat = await lstat(path.join(contextDir, rel)).catch(() => null);
  const entry = stat ? await entryOf(contextDir, rel, stat) : null;
  if (!entry) throw new UserError("E_BUILD_CONTEXT", `no Dockerfile at ${path.join(contextDir, rel)}`, { address });
  entries.push(entry);
  return rel;
}

export async function readDockerfile(file: string, address: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new UserError("E_BUILD_CONTEXT", `no Dockerfile at ${file}`, { address });
  }
}

function fileDigest(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}
