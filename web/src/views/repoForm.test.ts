import { describe, expect, it } from "vitest";
import { ForgeKind } from "../gen/devserver/repositories/v1/repositories_pb";
import { DeliveryFlow } from "../gen/devserver/tasks/v1/tasks_pb";
import { repository } from "../test/pageFixtures";
import { StageKind } from "../gen/devserver/work/v1/repository_pb";
import { buildAddRepositoryRequest, buildUpdateRepositoryRequest, detectedHints, emptyRepoForm, repoFormOf, validateRepoForm } from "./repoForm";

describe("buildAddRepositoryRequest", () => {
  it("sends the form with lists split and minutes as durations", () => {
    const r = buildAddRepositoryRequest({
      ...emptyRepoForm(),
      name: " app ",
      location: "/srv/git/app",
      build: "make",
      detectCommands: false,
      defaultFlow: DeliveryFlow.PULL_REQUEST,
      forge: ForgeKind.GITEA,
      forgeApiUrl: "https://git.example.com",
      forgeRepository: "team/app",
      denyPaths: "secrets/**\n\n*.pem\n",
      allowPaths: "src/**",
      maxFiles: "50",
      maxAttempts: "3",
      attemptTimeoutMinutes: "90",
      stageTimeoutMinutes: "2.5",
      tokenAction: "set",
      token: " tok ",
    });
    expect(r.name).toBe("app");
    expect(r.location).toBe("/srv/git/app");
    expect(r.commands?.build).toBe("make");
    expect(r.detectCommands).toBe(false);
    expect(r.delivery?.defaultFlow).toBe(DeliveryFlow.PULL_REQUEST);
    expect(r.delivery?.forge).toBe(ForgeKind.GITEA);
    expect(r.delivery?.preflight?.denyPaths).toEqual(["secrets/**", "*.pem"]);
    expect(r.delivery?.preflight?.allowPaths).toEqual(["src/**"]);
    expect(r.delivery?.preflight?.maxFiles).toBe(50);
    expect(r.delivery?.preflight?.allowLockFiles).toBe(false);
    expect(r.maxAttempts).toBe(3);
    expect(r.attemptTimeout?.seconds).toBe(5400n);
    expect(r.stageTimeout?.seconds).toBe(150n);
    expect(r.forgeToken).toBe("tok");
  });

  it("leaves the token and time limits unset unless given", () => {
    const r = buildAddRepositoryRequest({ ...emptyRepoForm(), name: "a", location: "https://x/a.git" });
    expect(r.forgeToken).toBeUndefined();
    expect(r.attemptTimeout).toBeUndefined();
    expect(r.stageTimeout).toBeUndefined();
    expect(r.maxAttempts).toBe(0);
  });
});

describe("buildUpdateRepositoryRequest", () => {
  const repo = repository({ delivery: { hasForgeToken: true, defaultFlow: DeliveryFlow.PATCH, preflight: { denyPaths: ["a"] } } });

  it("round-trips a repository without changes", () => {
    const { request, changed } = buildUpdateRepositoryRequest(repo, repoFormOf(repo));
    expect(changed).toEqual([]);
    expect(request.repository).toBe("3");
    expect(request.location).toBeUndefined();
    expect(request.commands).toBeUndefined();
    expect(request.delivery).toBeUndefined();
    expect(request.forgeToken).toBeUndefined();
    expect(request.attemptTimeout).toBeUndefined();
  });

  it("sends commands and delivery whole when a part changed", () => {
    const form = { ...repoFormOf(repo), lint: "eslint .", denyPaths: "a\nb" };
    const { request, changed } = buildUpdateRepositoryRequest(repo, form);
    expect(changed).toEqual(["commands", "delivery"]);
    expect(request.commands).toMatchObject({ pre: "", build: "make", test: "make test", lint: "eslint ." });
    expect(request.delivery?.defaultFlow).toBe(DeliveryFlow.PATCH);
    expect(request.delivery?.preflight?.denyPaths).toEqual(["a", "b"]);
  });

  it("keeps, replaces or clears the forge token as asked", () => {
    const form = repoFormOf(repo);
    expect(buildUpdateRepositoryRequest(repo, { ...form, tokenAction: "keep", token: "ignored" }).request.forgeToken).toBeUndefined();
    expect(buildUpdateRepositoryRequest(repo, { ...form, tokenAction: "set", token: "new" }).request.forgeToken).toBe("new");
    expect(buildUpdateRepositoryRequest(repo, { ...form, tokenAction: "clear", token: "ignored" }).request.forgeToken).toBe("");
  });

  it("sends the lock-file switch with the rest of the delivery settings", () => {
    expect(repoFormOf(repo).allowLockFiles).toBe(false);
    const { request, changed } = buildUpdateRepositoryRequest(repo, { ...repoFormOf(repo), allowLockFiles: true });
    expect(changed).toEqual(["delivery"]);
    expect(request.delivery?.preflight?.allowLockFiles).toBe(true);
    expect(request.delivery?.preflight?.denyPaths).toEqual(["a"]);
    const allowing = repository({ delivery: { preflight: { allowLockFiles: true } } });
    expect(repoFormOf(allowing).allowLockFiles).toBe(true);
    expect(buildUpdateRepositoryRequest(allowing, repoFormOf(allowing)).changed).toEqual([]);
    expect(buildUpdateRepositoryRequest(allowing, { ...repoFormOf(allowing), allowLockFiles: false }).request.delivery?.preflight?.allowLockFiles).toBe(false);
  });

  it("sends changed limits", () => {
    const { request, changed } = buildUpdateRepositoryRequest(repo, { ...repoFormOf(repo), maxAttempts: "4", attemptTimeoutMinutes: "30" });
    expect(changed).toEqual(["attempts", "attempt time limit"]);
    expect(request.maxAttempts).toBe(4);
    expect(request.attemptTimeout?.seconds).toBe(1800n);
  });
});

describe("validateRepoForm", () => {
  it("checks the name, location, numbers and an empty token to set", () => {
    const errors = validateRepoForm(
      { ...emptyRepoForm(), name: "1bad", location: "relative/path", maxAttempts: "11", stageTimeoutMinutes: "0", maxFiles: "x", tokenAction: "set", token: " " },
      true,
    );
    expect(Object.keys(errors).sort()).toEqual(["location", "maxAttempts", "maxFiles", "name", "stageTimeoutMinutes", "token"]);
    expect(validateRepoForm({ ...emptyRepoForm(), name: "ok.name-1", location: "ssh://git@host/x.git" }, true)).toEqual({});
    // The name cannot change on update, so it is not checked there.
    expect(validateRepoForm({ ...emptyRepoForm(), name: "", location: "/srv/x" }, false)).toEqual({});
  });
});

describe("detectedHints", () => {
  const now = Date.UTC(2026, 10, 21, 10, 30, 0);
  const at = (minutesAgo: number) => ({ seconds: BigInt(Math.floor((now - minutesAgo * 60_000) / 1000)) });
  const r = repository({
    commands: { pre: "", build: "make", test: "", lint: "" },
    detectedCommands: [
      { stage: StageKind.BUILD, command: "make build", detectedFrom: 'Makefile target "build"', taskId: 11n, detectedAt: at(60) },
      { stage: StageKind.TEST, command: "npm test", detectedFrom: 'package.json script "test"', taskId: 12n, detectedAt: at(5) },
      { stage: StageKind.LINT, command: "npm run lint", detectedFrom: "", taskId: 12n, detectedAt: at(5) },
    ],
  });

  it("says what was detected for each stage left empty, with where from, which task and how long ago", () => {
    expect(detectedHints(r, repoFormOf(r), now)).toEqual({
      test: 'detected: npm test (package.json script "test", task 12, 5 min ago)',
      lint: "detected: npm run lint (task 12, 5 min ago)",
    });
  });

  it("follows the form as typed: a stage emptied shows its detection, a stage filled in hides it", () => {
    const hints = detectedHints(r, { ...repoFormOf(r), build: " ", test: "make check" }, now);
    expect(hints.build).toBe('detected: make build (Makefile target "build", task 11, 1 h ago)');
    expect(hints.test).toBeUndefined();
  });

  it("is empty when nothing was detected", () => {
    expect(detectedHints(repository(), repoFormOf(repository()), now)).toEqual({});
  });
});
