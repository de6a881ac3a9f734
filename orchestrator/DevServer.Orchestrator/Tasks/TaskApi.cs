using System.Globalization;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Queue;
using DevServer.Orchestrator.Repositories;
using DevServer.Orchestrator.Scheduling;
using Npgsql;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tasks;

/// <summary>The task API: each RPC validates, then makes one transition (see <see cref="TaskTransitions"/>).</summary>
internal sealed partial class TaskApi(
    NpgsqlDataSource dataSource, TaskTransitions transitions, DispatchRequests dispatch, DeliveryLoop deliveries, TaskCreation creation)
    : TaskService.TaskServiceBase
{
    public override async Task<CreateTaskResponse> CreateTask(CreateTaskRequest request, ServerCallContext context)
    {
        return new CreateTaskResponse { Task = await creation.CreateAsync(request, context.CancellationToken) };
    }

    public override async Task<GetTaskResponse> GetTask(GetTaskRequest request, ServerCallContext context)
    {
        var response = new GetTaskResponse { Task = await ReadTaskAsync(request.Id, context.CancellationToken) };
        await using var command = dataSource.CreateCommand($"SELECT {TaskMappings.RunColumns} FROM runs WHERE task_id = @id ORDER BY attempt");
        command.Parameters.AddWithValue("id", request.Id);
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            response.Runs.Add(TaskMappings.ReadRun(reader));
        }

        return response;
    }

    public override async Task<ListTasksResponse> ListTasks(ListTasksRequest request, ServerCallContext context)
    {
        var pageSize = request.PageSize switch
        {
            0 => 50,
            < 0 or > 200 => throw TaskValidation.Invalid("page_size must be between 1 and 200."),
            _ => request.PageSize,
        };
        var before = long.MaxValue;
        if (request.PageToken.Length > 0 && (!long.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out before) || before <= 0))
        {
            throw TaskValidation.Invalid("page_token is not a token from a previous response.");
        }

        var statuses = request.Statuses.Select(status => status == TaskStatus.Unspecified
            ? throw TaskValidation.Invalid("statuses must not contain TASK_STATUS_UNSPECIFIED.")
            : TaskStatuses.ToStored(status)).ToArray();

        long? repositoryId = null;
        if (request.Repository.Length > 0)
        {
            await using var connection = await dataSource.OpenConnectionAsync(context.CancellationToken);
            repositoryId = await RepositoryApi.FindIdAsync(connection, request.Repository, context.CancellationToken)
                ?? throw RepositoryApi.NotFound(request.Repository);
        }

        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {TaskMappings.TaskColumns} FROM {TaskMappings.TaskFrom}
            WHERE t.id < @before
              AND (cardinality(@statuses) = 0 OR t.status = ANY(@statuses))
              AND (@repository::bigint IS NULL OR t.repository_id = @repository)
              AND (@vendor = '' OR t.vendor = @vendor)
              AND (@label = '' OR @label = ANY(t.labels))
              AND (@include_retired OR t.retired_at IS NULL)
            ORDER BY t.id DESC
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("before", before);
        command.Parameters.AddWithValue("statuses", statuses);
        command.Parameters.Add(new NpgsqlParameter<long?>("repository", NpgsqlTypes.NpgsqlDbType.Bigint) { TypedValue = repositoryId });
        command.Parameters.AddWithValue("vendor", request.Vendor);
        command.Parameters.AddWithValue("label", request.Label);
        command.Parameters.AddWithValue("include_retired", request.IncludeRetired);
        command.Parameters.AddWithValue("limit", pageSize + 1);
        var response = new ListTasksResponse();
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            if (response.Tasks.Count == pageSize)
            {
                response.NextPageToken = response.Tasks[^1].Id.ToString(CultureInfo.InvariantCulture);
                break;
            }

            response.Tasks.Add(TaskMappings.ReadTask(reader));
        }

        return response;
    }

    public override async Task<EnqueueTaskResponse> EnqueueTask(EnqueueTaskRequest request, ServerCallContext context)
    {
        await ChangeAsync(request.Id, change =>
        {
            change.Require("enqueued", TaskStatuses.Pending);
            change.SetStatus(TaskStatuses.Queued, "enqueued");
            return Task.FromResult(true);
        }, context.CancellationToken);
        // Read before the dispatcher is asked for a round: the caller is shown the task it queued, not one already running.
        var task = await ReadTaskAsync(request.Id, context.CancellationToken);
        dispatch.Request();
        return new EnqueueTaskResponse { Task = task };
    }

    public override async Task<CancelTaskResponse> CancelTask(CancelTaskRequest request, ServerCallContext context)
    {
        var reason = request.Reason.Length == 0 ? "cancelled" : TaskValidation.Text(request.Reason, "reason", 1024);
        await ChangeAsync(request.Id, async change =>
        {
            // A delivery in progress finishes its git and forge calls but records nothing: the task is no longer delivering.
            change.Require("cancelled", TaskStatuses.Pending, TaskStatuses.Queued, TaskStatuses.Running, TaskStatuses.Verifying, TaskStatuses.Delivering);
            if (change.Status is TaskStatuses.Running or TaskStatuses.Verifying)
            {
                // The workers are told through the assignment notification; their results are then only recorded.
                await change.ExecuteAsync(
                    """
                    UPDATE runs SET outcome = 'cancelled', error = @reason, finished_at = @now
                    WHERE task_id = @task AND outcome = 'running';
                    UPDATE assignments SET state = 'cancelling' WHERE task_id = @task AND state = 'open';
                    SELECT pg_notify('devserver_assignments', '');
                    """,
                    parameters => parameters.AddWithValue("reason", reason), context.CancellationToken);
            }

            // A retry that was waiting for its time will not come.
            await change.ExecuteAsync(
                "UPDATE tasks SET not_before = NULL, delivery_not_before = NULL, delivery_claimed_until = NULL WHERE id = @task",
                _ => { }, context.CancellationToken);
            change.SetStatus(TaskStatuses.Cancelled, reason);
            return true;
        }, context.CancellationToken);
        dispatch.Request();
        return new CancelTaskResponse { Task = await ReadTaskAsync(request.Id, context.CancellationToken) };
    }

    public override async Task<RetryTaskResponse> RetryTask(RetryTaskRequest request, ServerCallContext context)
    {
        var redeliver = false;
        await ChangeAsync(request.Id, async change =>
        {
            change.Require("retried", TaskStatuses.Failed, TaskStatuses.Blocked, TaskStatuses.Cancelled);
            // Blocked by the forge or the target (a token, a conflict): the verified work is delivered again, not redone.
            redeliver = change.Status == TaskStatuses.Blocked && await TaskDelivery.WasBlockedByDeliveryAsync(change, context.CancellationToken);
            await change.ExecuteAsync(
                """
                UPDATE tasks SET attempts_used = 0, not_before = NULL, on_backup = false, rate_limit_streak = 0, delivery_blocked = '',
                       delivery_failures = 0, delivery_not_before = NULL, delivery_claimed_until = NULL
                WHERE id = @task
                """, _ => { }, context.CancellationToken);
            change.SetStatus(redeliver ? TaskStatuses.Delivering : TaskStatuses.Queued, redeliver ? "retried; delivering again" : "retried");
            return true;
        }, context.CancellationToken);
        // As in EnqueueTask: read before anything is woken to move the task on.
        var task = await ReadTaskAsync(request.Id, context.CancellationToken);
        if (redeliver)
        {
            deliveries.Wake();
        }
        else
        {
            dispatch.Request();
        }

        return new RetryTaskResponse { Task = task };
    }

    public override async Task<DeleteTaskResponse> DeleteTask(DeleteTaskRequest request, ServerCallContext context)
    {
        await ChangeAsync(request.Id, async change =>
        {
            change.Require("deleted", TaskStatuses.Pending, TaskStatuses.Done, TaskStatuses.Failed, TaskStatuses.Blocked, TaskStatuses.Cancelled);
            // The task's events go with it, so no event tells the queue watchers: the deletion announces itself.
            await change.ExecuteAsync("DELETE FROM tasks WHERE id = @task;" + QueueChanges.AnnounceStatement, _ => { }, context.CancellationToken);
            return true;
        }, context.CancellationToken);
        return new DeleteTaskResponse();
    }

    public override async Task<GetTaskPatchResponse> GetTaskPatch(GetTaskPatchRequest request, ServerCallContext context)
    {
        await ReadTaskAsync(request.Id, context.CancellationToken);
        await using var command = dataSource.CreateCommand(
            """
            SELECT attempt, base_commit, head_commit, commit_count, patch_series, outcome = 'succeeded', diff_statistics
            FROM runs WHERE task_id = @task AND patch_series IS NOT NULL AND (@attempt = 0 OR attempt = @attempt)
            ORDER BY attempt DESC LIMIT 1
            """);
        command.Parameters.AddWithValue("task", request.Id);
        command.Parameters.AddWithValue("attempt", request.Attempt);
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        if (!await reader.ReadAsync(context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, request.Attempt == 0
                ? $"No attempt of task {request.Id} has produced work yet."
                : $"Attempt {request.Attempt} of task {request.Id} produced no work."));
        }

        return new GetTaskPatchResponse
        {
            Attempt = reader.GetInt32(0),
            BaseCommit = reader.GetString(1),
            HeadCommit = reader.GetString(2),
            CommitCount = reader.GetInt32(3),
            PatchSeries = Google.Protobuf.ByteString.CopyFrom(reader.GetFieldValue<byte[]>(4)),
            Verified = reader.GetBoolean(5),
            Statistics = reader.IsDBNull(6) ? null : DiffStatisticsJson.ToMessage(reader.GetString(6)),
        };
    }

    private async Task ChangeAsync(long taskId, Func<TaskChange, Task<bool>> change, CancellationToken cancellationToken)
    {
        if (await transitions.ChangeAsync(taskId, change, cancellationToken) is not true)
        {
            throw TaskNotFound(taskId);
        }
    }

    private async Task<AgentTask> ReadTaskAsync(long taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        return await TaskMappings.FindTaskAsync(command, taskId, cancellationToken) ?? throw TaskNotFound(taskId);
    }

    private static RpcException TaskNotFound(long taskId) => new(new Status(StatusCode.NotFound, $"Task {taskId} does not exist."));
}
