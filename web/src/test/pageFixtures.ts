// Builders for the task, template, idea and repository messages used by the page logic tests.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { IdeaKind, IdeaSchema, type Idea } from "../gen/devserver/ideas/v1/ideas_pb";
import { RepositorySchema, type Repository } from "../gen/devserver/repositories/v1/repositories_pb";
import { AgentTaskSchema, TaskStatus, type AgentTask } from "../gen/devserver/tasks/v1/tasks_pb";
import { TaskTemplateSchema, type TaskTemplate } from "../gen/devserver/templates/v1/templates_pb";

export function task(init: MessageInitShape<typeof AgentTaskSchema> = {}): AgentTask {
  return create(AgentTaskSchema, {
    id: 42n,
    repositoryId: 1n,
    repository: "app",
    title: "Fix the login",
    priority: 3,
    vendor: "claude",
    model: "sonnet",
    status: TaskStatus.PENDING,
    maxAttempts: 2,
    ...init,
  });
}

export function template(init: MessageInitShape<typeof TaskTemplateSchema> = {}): TaskTemplate {
  return create(TaskTemplateSchema, { id: 5n, name: "bugfix", ...init });
}

export function folder(id: number, parent: number, title: string, sortOrder = 0): Idea {
  return create(IdeaSchema, { id: BigInt(id), parentId: BigInt(parent), kind: IdeaKind.FOLDER, title, sortOrder });
}

export function idea(id: number, parent: number, title: string, init: MessageInitShape<typeof IdeaSchema> = {}): Idea {
  return create(IdeaSchema, { id: BigInt(id), parentId: BigInt(parent), kind: IdeaKind.IDEA, title, ...init });
}

export function repository(init: MessageInitShape<typeof RepositorySchema> = {}): Repository {
  const base: MessageInitShape<typeof RepositorySchema> = {
    id: 3n,
    name: "app",
    location: "https://git.example.com/team/app.git",
    defaultBranch: "main",
    commands: { pre: "", build: "make", test: "make test", lint: "" },
    maxAttempts: 2,
    attemptTimeout: { seconds: 3600n },
    stageTimeout: { seconds: 600n },
    detectCommands: true,
  };
  return create(RepositorySchema, { ...base, ...init } as MessageInitShape<typeof RepositorySchema>);
}
