import { defineConfig } from "vitest/config";

// The browser tests (e2e/*.e2e.ts): Debian's Chromium against the real system that e2e/globalSetup.ts starts with the
// built CLI's `devserver up`. One system and one file at a time; a task's whole pipeline takes a while on 2 cores.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    globalSetup: ["e2e/globalSetup.ts"],
    fileParallelism: false,
    maxWorkers: 1,
    sequence: { concurrent: false, shuffle: false },
    testTimeout: 240_000,
    hookTimeout: 120_000,
    teardownTimeout: 120_000,
    reporters: ["default", "junit"],
    // build.sh counts this report into its closing line (it passes its own path with --outputFile.junit).
    outputFile: { junit: "../artifacts/test-results/web-e2e-junit.xml" },
  },
});
