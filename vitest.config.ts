import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/support/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { TZ: "UTC" },
    // PGlite takes a couple of seconds and most of a core to start: two files at a time fit two cores.
    maxWorkers: 2,
  },
});
