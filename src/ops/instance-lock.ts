import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { UserFacingError } from "../errors.ts";

/**
 * PGlite opens in one process only: a second process opening the same DATA_DIR can corrupt it. The app
 * that holds the embedded database says so in `<DATA_DIR>/ai-dev.lock`, with where its API listens and
 * the bearer token it accepts, so `ai-dev runs` asks the app instead of opening the files.
 */
export const instanceLockSchema = z.object({
  pid: z.int().positive(),
  /** null while the app starts, and for a process that serves no HTTP (`ai-dev worker`). */
  port: z.int().min(1).max(65535).nullable(),
  token: z.string().min(32),
});

export type InstanceLock = z.infer<typeof instanceLockSchema>;

export const lockFileName = "ai-dev.lock";

export function lockFileOf(dataDir: string): string {
  return path.join(path.resolve(dataDir), lockFileName);
}

/** A bearer token for this process only: whoever can read the lock file (mode 0600) may use the API. */
export function newApiToken(): string {
  return randomBytes(32).toString("hex");
}

/** The lock in DATA_DIR; undefined when there is none. A file that is not a lock is an error, not "none". */
export function readInstanceLock(dataDir: string): InstanceLock | undefined {
  const file = lockFileOf(dataDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read ${file}: run ai-dev as the user that runs the app`, { cause: error });
  }
  let parsed: ReturnType<typeof instanceLockSchema.safeParse>;
  try {
    parsed = instanceLockSchema.safeParse(JSON.parse(text));
  } catch (cause) {
    throw new Error(`${file} is not a lock ai-dev wrote; remove it if no ai-dev app runs on ${dataDir}`, {
      cause,
    });
  }
  if (!parsed.success) {
    throw new Error(`${file} is not a lock ai-dev wrote; remove it if no ai-dev app runs on ${dataDir}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Whether a process with this id exists; EPERM means it does, owned by another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock when a live process other than this one holds it; a lock left by a dead process is stale. */
export function liveInstanceLock(dataDir: string): InstanceLock | undefined {
  const lock = readInstanceLock(dataDir);
  return lock && lock.pid !== process.pid && isProcessAlive(lock.pid) ? lock : undefined;
}

export interface HeldInstanceLock {
  file: string;
  token: string;
  /** Records where the API listens, once the server does. */
  announcePort(port: number): void;
  /** Removes the lock if it is still this process's; safe to call twice. */
  release(): void;
}

/**
 * Takes DATA_DIR for this process before the database opens, so no other ai-dev process opens it
 * meanwhile; refuses when a live app already holds it.
 */
export function claimInstanceLock(dataDir: string): HeldInstanceLock {
  const file = lockFileOf(dataDir);
  mkdirSync(path.dirname(file), { recursive: true });
  const lock: InstanceLock = { pid: process.pid, port: null, token: newApiToken() };
  // Created exclusively: of two processes started together, exactly one gets the lock. A lock left by
  // a process that died is removed once and the claim tried again.
  for (let attempt = 0; attempt < 2 && !createLockFile(file, lock); attempt++) {
    const holder = liveInstanceLock(dataDir);
    if (holder) {
      throw new UserFacingError(
        "database_held",
        `the ai-dev app (pid ${holder.pid}) already holds the embedded database at ${path.resolve(dataDir)}; stop it first, or remove ${file} if no ai-dev app runs there`,
      );
    }
    rmSync(file, { force: true });
    if (attempt === 1) {
      throw new UserFacingError(
        "database_held",
        `another ai-dev process is taking the embedded database at ${path.resolve(dataDir)}; try again`,
      );
    }
  }
  return {
    file,
    token: lock.token,
    announcePort: (port) => writeLockFile(file, { ...lock, port }),
    release: () => {
      try {
        const current = readInstanceLock(dataDir);
        if (current?.token === lock.token) rmSync(file, { force: true });
      } catch {
        // A lock someone replaced or broke is not ours to remove.
      }
    },
  };
}

/** Written beside and linked into place only if no lock exists (link fails on an existing name). */
function createLockFile(file: string, lock: InstanceLock): boolean {
  const temporary = `${file}.${process.pid}.new`;
  writeLockFile(temporary, lock);
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Written beside and renamed into place: a reader never sees half a file. */
function writeLockFile(file: string, lock: InstanceLock): void {
  const temporary = `${file}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  writeFileSync(temporary, `${JSON.stringify(lock)}\n`, { mode: 0o600 });
  // The mode given to writeFileSync is masked by the umask and ignored for an existing file.
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}
