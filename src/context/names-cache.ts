import { createHash } from "node:crypto";
import type { FileNames } from "./extract-tags.ts";

/**
 * The names found in a file's content, remembered across runs in this process: runs on one repository
 * parse mostly the same files, and parsing is what a repository map spends its time on. Keyed by how the
 * file is read (its grammar, or word scanning) and a hash of its content, so an edited file is parsed
 * again; bounded, the oldest entries going first.
 */
export class NamesCache {
  private readonly entries = new Map<string, FileNames | null>();

  constructor(private readonly maxEntries = 50_000) {}

  async namesOf(
    reader: string,
    source: string,
    read: () => Promise<FileNames | undefined>,
  ): Promise<FileNames | undefined> {
    const key = `${reader}\0${createHash("sha1").update(source).digest("base64")}`;
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the newest.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached ?? undefined;
    }
    const names = await read();
    this.entries.set(key, names ?? null);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return names;
  }
}

/** The process's cache, shared by every run's repository map. */
export const processNamesCache = new NamesCache();
