import { describe, expect, it } from "vitest";
import type { FileNames } from "../../src/context/extract-tags.ts";
import { NamesCache } from "../../src/context/names-cache.ts";

const names = (name: string): FileNames => ({ definitions: [{ name, line: 0 }], references: new Map() });

describe("NamesCache", () => {
  it("parses a content once, again when it changes, and per reader", async () => {
    const cache = new NamesCache();
    let reads = 0;
    const read = (name: string) => async () => {
      reads++;
      return names(name);
    };
    expect(await cache.namesOf("typescript", "export function a() {}", read("a"))).toEqual(names("a"));
    expect(await cache.namesOf("typescript", "export function a() {}", read("x"))).toEqual(names("a"));
    expect(reads).toBe(1);
    expect(await cache.namesOf("typescript", "export function b() {}", read("b"))).toEqual(names("b"));
    expect(await cache.namesOf("words", "export function a() {}", read("w"))).toEqual(names("w"));
    expect(reads).toBe(3);
  });

  it("remembers a file without names, and forgets the least recently used past its bound", async () => {
    const cache = new NamesCache(2);
    let reads = 0;
    const none = async () => {
      reads++;
      return undefined;
    };
    await cache.namesOf("none", "one", none);
    await cache.namesOf("none", "one", none);
    expect(reads).toBe(1);
    await cache.namesOf("none", "two", none);
    await cache.namesOf("none", "one", none); // now the newest
    await cache.namesOf("none", "three", none); // pushes out "two"
    expect(reads).toBe(3);
    await cache.namesOf("none", "one", none);
    expect(reads).toBe(3);
    await cache.namesOf("none", "two", none);
    expect(reads).toBe(4);
  });
});
