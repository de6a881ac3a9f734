// Connect clients for the orchestrator's gRPC-Web endpoint (binary format), each call carrying the admin token.
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { EventService } from "../gen/devserver/events/v1/events_pb";
import { QueueService } from "../gen/devserver/queue/v1/queue_pb";
import { RepositoryService } from "../gen/devserver/repositories/v1/repositories_pb";
import { TaskService } from "../gen/devserver/tasks/v1/tasks_pb";

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
}

export function createApi(transport: Transport, baseUrl: string): Api {
  return {
    baseUrl,
    tasks: createClient(TaskService, transport),
    repositories: createClient(RepositoryService, transport),
    events: createClient(EventService, transport),
    queue: createClient(QueueService, transport),
  };
}
