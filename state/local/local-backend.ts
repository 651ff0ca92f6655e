import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import lockfile from "proper-lockfile";
import writeFileAtomic from "write-file-atomic";
import { UserError } from "../../src/core/errors.js";
import type { LockHolder, StateBackend, StateFile, StateLock } from "../backend.js";
import { isDeadOnThisHost } from "../lock-holder.js";
import { parseState, serializeState } from "../new-state.js";

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** A lock whose directory was not touched for this long is abandoned (its holder refreshes it every STALE_MS / 2). */
const STALE_MS = 10_000;
/** How long a write waits for another write to finish (a write takes milliseconds). */
const WRITE_LOCK_WAIT_MS = 12_000;

type Release = () => Promise<void>;

/**
 * The state as one JSON file. Writes are compare-and-swap on the serial, guarded by a short
 * internal write lock so that two writers never both pass the check; the user-visible lock
 * (`lock()`) is a separate, longer one that names its holder.
 */
export class LocalStateBackend implements StateBackend {
  readonly location: string;
  private readonly backupPath: string;
  private readonly holderPath: string;

  constructor(private readonly path: string) {
    this.location = path;
    this.backupPath = `${path}.backup`;
    this.holderPath = `${path}.lock.json`;
  }

  async read(): Promise<StateFile | null> {
    const text = await readTextOrNull(this.path);
    return text === null ? null : this.parse(text);
  }

  async write(next: StateFile, expectedSerial: number): Promise<void> {
    if (next.serial !== expectedSerial + 1) {
      throw new Error(`bug: writing state serial ${next.serial} over expected serial ${expectedSerial}`);
    }
    await this.ensureDirectory();
    const releaseWriteLock = await this.acquireWriteLock();
    try {
      const currentText = await readTextOrNull(this.path);
      const currentSerial = currentText === null ? 0 : this.parse(currentText).serial;
      if (currentSerial !== expectedSerial) {
        throw new UserError(
          "E_STATE_MOVED",
          `state at ${this.path} moved: expected serial ${expectedSerial}, found ${currentSerial} ` +
            `(someone else changed it meanwhile); run the plan again`,
        );
      }
      await this.replaceKeepingBackup(serializeState(next), currentText !== null, expectedSerial);
    } finally {
      await releaseWriteLock();
    }
  }

  async lock(command: string): Promise<StateLock> {
    await this.ensureDirectory();
    const releaseLock = await this.acquireStateLock();
    const holder: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
    try {
      await writeFileAtomic(this.holderPath, `${JSON.stringify(holder, null, 2)}\n`, { mode: FILE_MODE, fsync: true });
    } catch (e) {
      await releaseLock();
      throw new UserError("E_STATE_WRITE", `could not write the lock holder file ${this.holderPath}: ${ioReason(e)}; nothing was changed`);
    }
    // Under the lock no writer of ours runs: what a killed one left half-written goes now, even
    // when this apply turns out to have nothing to write.
    await this.removeAbandonedTemporaries();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        // The holder file goes first: once the lock is released someone else may write theirs.
        await rm(this.holderPath, { force: true });
        await releaseLock();
      },
    };
  }

  /**
   * The new state is written in full to a temporary file first (fsync), so a failure there
   * (a full disk) leaves the state and its backup exactly as they were. Only then does the
   * current file become the backup (a hard link: no bytes copied, so no room needed) and the
   * new one take its place (rename). At no moment is there no state file.
   */
  private async replaceKeepingBackup(text: string, hasCurrent: boolean, currentSerial: number): Promise<void> {
    const staged = temporaryName(this.path);
    const stagedBackup = temporaryName(this.backupPath);
    await this.removeAbandonedTemporaries();
    try {
      await writeDurably(staged, text);
      if (hasCurrent) await this.linkBackup(stagedBackup);
      await rename(staged, this.path);
      await syncDirectory(dirname(this.path));
    } catch (e) {
      await rm(staged, { force: true });
      await rm(stagedBackup, { force: true });
      throw this.writeFailed(e, currentSerial);
    }
  }

  /** Temporary files of a writer killed mid-write (its pid is in the name and no longer runs on this host). */
  private async removeAbandonedTemporaries(): Promise<void> {
    const dir = dirname(this.path);
    const ours = new RegExp(`^${escapeRegExp(basename(this.path))}(?:\\.backup)?\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const pid = Number(ours.exec(name)?.[1]);
      if (pid > 0 && isDeadOnThisHost({ pid, host: hostname(), command: "", since: "" })) await rm(join(dir, name), { force: true });
    }
  }

  private async linkBackup(stagedBackup: string): Promise<void> {
    try {
      await link(this.path, stagedBackup);
    } catch (e) {
      // A file system without hard links: copy the bytes instead.
      if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "ENOSYS"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
      await writeDurably(stagedBackup, await readFile(this.path, "utf8"));
    }
    await rename(stagedBackup, this.backupPath);
    // When the backup already was a link of the state (a writer killed between its two
    // renames), rename(2) succeeds doing nothing and the staged link stays: it goes here.
    await rm(stagedBackup, { force: true });
  }

  private writeFailed(e: unknown, currentSerial: number): UserError {
    return new UserError(
      "E_STATE_WRITE",
      `could not save the state to ${this.path}: ${ioReason(e)}. It still holds serial ${currentSerial}, ` +
        `and ${this.backupPath} the state before it; what was applied since is not recorded, ` +
        `and the next apply finds it on the engines`,
    );
  }

  private parse(text: string): StateFile {
    const result = parseState(text);
    if ("state" in result) return result.state;
    throw new UserError(
      "E_STATE_CORRUPT",
      `state file ${this.path} is corrupt: ${result.problem}. The previous state is kept in ` +
        `${this.backupPath}; check it and copy it over ${this.path} to restore it`,
    );
  }

  private async ensureDirectory(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: DIR_MODE });
  }

  private async acquireStateLock(mayBreakDeadHolder = true): Promise<Release> {
    try {
      return tolerateLostLock(
        await lockfile.lock(this.path, {
          realpath: false,
          stale: STALE_MS,
          update: STALE_MS / 2,
          retries: 0,
          onCompromised: ignoreCompromise,
        }),
      );
    } catch (e) {
      if (!isLockedError(e)) throw e;
      const holder = await this.readHolder();
      if (mayBreakDeadHolder && holder !== null && isDeadOnThisHost(holder)) {
        await this.breakLockOf(holder);
        return this.acquireStateLock(false);
      }
      throw this.lockedError(holder);
    }
  }

  /** Short mutual exclusion around write's read-compare-write; waits instead of refusing. */
  private async acquireWriteLock(): Promise<Release> {
    const lockDir = `${this.path}.write.lock`;
    const pidFile = join(lockDir, "pid");
    const deadline = performance.now() + WRITE_LOCK_WAIT_MS;
    for (;;) {
      try {
        const release = tolerateLostLock(
          await lockfile.lock(`${this.path}.write`, { realpath: false, stale: STALE_MS, retries: 0, onCompromised: ignoreCompromise }),
        );
        // Inside the lock's own directory: a writer killed while holding it is known by its pid.
        // Best effort (a full disk may refuse even this small file); the lock holds without it.
        await writeFile(pidFile, `${process.pid} ${hostname()}\n`).catch(() => {});
        return async () => {
          await rm(pidFile, { force: true });
          await release();
        };
      } catch (e) {
        if (!isLockedError(e)) throw e;
      }
      const [pid, host] = ((await readTextOrNull(pidFile).catch(() => null)) ?? "").trim().split(" ");
      if (host !== undefined && Number(pid) > 0 && isDeadOnThisHost({ pid: Number(pid), host, command: "", since: "" })) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (performance.now() > deadline) {
        throw new UserError("E_STATE_LOCKED", `another process keeps writing the state at ${this.path}; try again`);
      }
      await sleep(5 + Math.random() * 20);
    }
  }

  /**
   * The holder file is written just after the lock is taken, so a refused caller may look in
   * between; it waits a moment before giving up on naming the holder.
   */
  private async readHolder(): Promise<LockHolder | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const text = await readTextOrNull(this.holderPath);
      const holder = text === null ? null : parseHolder(text);
      if (holder !== null) return holder;
      await sleep(20);
    }
    return null;
  }

  /** Removes a lock left by a process that no longer runs, unless someone replaced it meanwhile. */
  private async breakLockOf(deadHolder: LockHolder): Promise<void> {
    const current = parseHolder((await readTextOrNull(this.holderPath)) ?? "");
    if (current === null || !sameHolder(current, deadHolder)) return;
    await rm(`${this.path}.lock`, { recursive: true, force: true });
    await rm(this.holderPath, { force: true });
  }

  private lockedError(holder: LockHolder | null): UserError {
    const lockDir = `${this.path}.lock`;
    const who =
      holder === null
        ? "another process"
        : `pid ${holder.pid} on host ${holder.host} (${JSON.stringify(holder.command)}) since ${holder.since}`;
    return new UserError("E_STATE_LOCKED", `state is locked by ${who}; if no such process runs, remove ${lockDir}`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function temporaryName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/** Writes a new file (mode 0600) and fsyncs it before returning. */
async function writeDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, "wx", FILE_MODE);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A rename is durable once its directory is synced (not every file system allows it). */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // best effort: the data itself was synced before the rename
  } finally {
    await handle?.close();
  }
}

/** "no space left on device (ENOSPC)" rather than Node's "ENOSPC: no space left on device, write". */
function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === "string" && typeof err.message === "string") {
    const text = err.message.replace(/^[A-Z]+: /, "").replace(/, (open|write|rename|link|fsync|close)\b.*$/, "");
    return `${text} (${err.code})`;
  }
  return String(e);
}

async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const holder = JSON.parse(text) as Partial<LockHolder> | null;
    if (holder === null || typeof holder !== "object") return null;
    if (!Number.isInteger(holder.pid) || typeof holder.host !== "string") return null;
    return {
      pid: holder.pid as number,
      host: holder.host,
      command: typeof holder.command === "string" ? holder.command : "?",
      since: typeof holder.since === "string" ? holder.since : "?",
    };
  } catch {
    return null;
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.command === b.command && a.since === b.since;
}

function isLockedError(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === "ELOCKED";
}

/**
 * proper-lockfile's default throws from a timer (crashing the process) when a held lock is
 * lost. The serial compare-and-swap in write() still keeps the state safe, so carry on.
 */
function ignoreCompromise(): void {}

/** Releasing a lock that was lost or already released is not an error for the releaser. */
function tolerateLostLock(release: Release): Release {
  return async () => {
    try {
      await release();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ERELEASED" && (e as NodeJS.ErrnoException).code !== "ENOTACQUIRED") {
        throw e;
      }
    }
  };
}
