// Starts the real system once for every browser test file, and stops it (the whole process tree) afterwards.
import { mkdirSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { RunningSystem, type SystemInfo } from "./system";

declare module "vitest" {
  export interface ProvidedContext {
    system: SystemInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const system = await RunningSystem.start();
  mkdirSync(system.info.artifacts, { recursive: true });
  project.provide("system", system.info);
  return async () => {
    await system.stop();
  };
}
