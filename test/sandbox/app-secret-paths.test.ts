import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appSecretPaths, hiddenAppSecrets } from "../../src/sandbox/app-secret-paths.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { runSandboxed } from "../../src/sandbox/run-sandboxed.ts";

const sandbox = await checkSandbox();
let tmp: string;
beforeEach(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), "ai-dev-app-secrets-")));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe("the app's own secret paths", () => {
  it("are its working directory, its configuration file and PRIVATE_KEY_PATH, resolved against it", () => {
    expect(appSecretPaths({}, "/usr/local/ai-dev")).toEqual([
      "/usr/local/ai-dev",
      "/usr/local/ai-dev/ai-dev.config.yaml",
    ]);
    expect(
      appSecretPaths(
        { AI_DEV_CONFIG: "/etc/ai-dev/config.yaml", PRIVATE_KEY_PATH: "keys/app.pem" },
        "/srv/ai-dev",
      ),
    ).toEqual(["/srv/ai-dev", "/etc/ai-dev/config.yaml", "/srv/ai-dev/keys/app.pem"]);
  });

  it("are covered only inside a directory the sandbox shows, never the directory itself, through links", () => {
    const shown = path.join(tmp, "usr");
    mkdirSync(path.join(shown, "local/ai-dev"), { recursive: true });
    writeFileSync(path.join(shown, "local/ai-dev/.env"), "PRIVATE_KEY=…\n");
    writeFileSync(path.join(tmp, "elsewhere.pem"), "key\n");
    symlinkSync(path.join(shown, "local/ai-dev/.env"), path.join(tmp, "link-to-env"));
    const hidden = hiddenAppSecrets(
      [
        path.join(shown, "local/ai-dev"),
        path.join(tmp, "link-to-env"),
        path.join(tmp, "elsewhere.pem"),
        path.join(tmp, "missing.yaml"),
        shown,
      ],
      [shown],
    );
    expect(hidden).toEqual([
      { path: path.join(shown, "local/ai-dev"), directory: true },
      { path: path.join(shown, "local/ai-dev/.env"), directory: false },
    ]);
  });
});

describe.skipIf(!sandbox.ok)("a sandboxed command and the app's secret files under /etc", () => {
  const saved = process.env.PRIVATE_KEY_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.PRIVATE_KEY_PATH;
    else process.env.PRIVATE_KEY_PATH = saved;
  });

  it("cannot read the private key file the app was given, while the rest of /etc stays", async () => {
    // /etc/hostname stands for /etc/ai-dev/private-key.pem: a file the sandbox would otherwise show.
    process.env.PRIVATE_KEY_PATH = "/etc/hostname";
    const result = await runSandboxed({
      dir: tmp,
      command: "cat /etc/hostname; head -c 4 /etc/passwd; echo",
      timeoutMs: 20_000,
      outputCapBytes: 10_000,
      network: "none",
    });
    expect(result.stderr).toContain("/etc/hostname: Permission denied");
    expect(result.stdout).toBe(`${readFileSync("/etc/passwd", "utf8").slice(0, 4)}\n`);
  });
});
