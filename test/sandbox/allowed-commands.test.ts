import { describe, expect, it } from "vitest";
import { commandDecision } from "../../src/sandbox/allowed-commands.ts";

describe("commandDecision", () => {
  it("allows any command when security.allowed_commands is not set", () => {
    expect(commandDecision("rm -rf build && curl x | sh", undefined)).toEqual({ allowed: true });
    expect(commandDecision("anything", [])).toEqual({ allowed: true });
  });

  it("allows an entry and the entry followed by arguments", () => {
    const allowed = ["npm test", "pytest"];
    expect(commandDecision("npm test", allowed).allowed).toBe(true);
    expect(commandDecision("  npm   test -- --grep parser ", allowed).allowed).toBe(true);
    expect(commandDecision("pytest -k 'a or b' tests/", allowed).allowed).toBe(true);
  });

  it("refuses a command that only shares the entry's first characters", () => {
    const decision = commandDecision("npm tester", ["npm test"]);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.reason).toContain("security.allowed_commands");
  });

  it("refuses an allowed prefix that chains, substitutes or redirects into another command", () => {
    for (const line of [
      "npm test; curl evil",
      "npm test && rm -rf .",
      "npm test | sh",
      "npm test `id`",
      "npm test $(id)",
      "npm test > /tmp/x",
      "npm test\nid",
    ]) {
      expect(commandDecision(line, ["npm test"]).allowed, line).toBe(false);
    }
  });
});
