// Connect clients for the orchestrator's gRPC-Web endpoint (binary format), each call carrying the admin token.
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { AnalyticsService } from "../gen/devserver/analytics/v1/analytics_pb";
import { EventService } from "../gen/devserver/events/v1/events_pb";
import { IdeaService } from "../gen/devserver/ideas/v1/ideas_pb";
import { LogService } from "../gen/devserver/logs/v1/logs_pb";
import { QueueService } from "../gen/devserver/queue/v1/queue_pb";
import { RepositoryService } from "../gen/devserver/repositories/v1/repositories_pb";
import { SettingsService } from "../gen/devserver/settings/v1/settings_pb";
import { TaskService } from "../gen/devserver/tasks/v1/tasks_pb";
import { TemplateService } from "../gen/devserver/templates/v1/templates_pb";
import { Health } from "../gen/grpc/health/v1/health_pb";

export function bearerInterceptor(token: () => string | null): Interceptor {
  return (next) => async (request) => {
    const value = token();
    if (value !== null) {
      request.header.set("authorization", `Bearer ${value}`);
    }
    return next(request);
  };
}

export function orchestratorTransport(baseUrl: string, token: () => string | null): Transport {
  return createGrpcWebTransport({
    baseUrl,
    useBinaryFormat: true,
    interceptors: [bearerInterceptor(token)],
  });
}

export interface Api {
  baseUrl: string;
  tasks: Client<typeof TaskService>;
  repositories: Client<typeof RepositoryService>;
  events: Client<typeof EventService>;
  queue: Client<typeof QueueService>;
  analytics: Client<typeof AnalyticsService>;
  settings: Client<typeof SettingsService>;
  logs: Client<typeof LogService>;
  templates: Client<typeof TemplateService>;
  ideas: Client<typeof IdeaService>;
  /** The standard grpc.health.v1 service (open: it needs no token). */
  health: Client<typeof Health>;
}

export function createApi(transport: Transport, baseUrl: string): Api {
  return {
    baseUrl,
    tasks: createClient(TaskService, transport),
    repositories: createClient(RepositoryService, transport),
    events: createClient(EventService, transport),
    queue: createClient(QueueService, transport),
    analytics: createClient(AnalyticsService, transport),
    settings: createClient(SettingsService, transport),
    logs: createClient(LogService, transport),
    templates: createClient(TemplateService, transport),
    ideas: createClient(IdeaService, transport),
    health: createClient(Health, transport),
  };
}
