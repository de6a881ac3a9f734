using System.Globalization;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Repositories;
using DevServer.Orchestrator.Scheduling;
using Npgsql;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tasks;

/// <summary>The task API: each RPC validates, then makes one transition (see <see cref="TaskTransitions"/>).</summary>
internal sealed partial class TaskApi(
    NpgsqlDataSource dataSource, TaskTransitions transitions, DispatchRequests dispatch, DeliveryLoop deliveries, TimeProvider clock)
    : TaskService.TaskServiceBase
{
    public override async Task<CreateTaskResponse> CreateTask(CreateTaskRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (request.Repository.Length == 0)
        {
            throw TaskValidation.Invalid("repository (a name or id) is required.");
        }

        var title = TaskValidation.Title(request.Title);
        var description = TaskValidation.Text(request.Description, "description", TaskValidation.MaxDescriptionBytes);
        var acceptance = TaskValidation.Text(request.Acceptance, "acceptance", TaskValidation.MaxAcceptanceBytes);
        var priority = TaskValidation.Priority(request.Priority);
        var vendor = TaskValidation.Vendor(request.Vendor);
        var model = TaskValidation.Model(request.Model);
        var baseBranch = request.BaseBranch.Length == 0 ? null : TaskValidation.Branch(request.BaseBranch, "base_branch");
        int? maxAttempts = request.MaxAttempts == 0 ? null : TaskValidation.MaxAttempts(request.MaxAttempts, "max_attempts");
        TimeSpan? attemptTimeout = request.AttemptTimeout is null
            ? null
            : TaskValidation.Timeout(request.AttemptTimeout, "attempt_timeout", TaskValidation.MinAttemptTimeout, TaskValidation.MaxAttemptTimeout);
        var labels = TaskValidation.Labels(request.Labels);
        var backup = AgentSettings.Backup(vendor, model, request.BackupVendor, request.BackupModel);
        var maxTurns = AgentSettings.StoredTurnLimit(request.TurnLimit);
        var billingMode = AgentSettings.StoredBillingMode(request.BillingMode);
        var allowedTools = AgentSettings.AllowedTools(request.AllowedTools);
        var deliveryFlow = DeliveryFlows.ToStored(request.DeliveryFlow, "delivery_flow");

        long taskId;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            var repository = await RepositoryApi.FindAsync(connection, request.Repository, cancellationToken)
                ?? throw RepositoryApi.NotFound(request.Repository);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var status = request.Enqueue ? TaskStatuses.Queued : TaskStatuses.Pending;
            await using (var insert = new NpgsqlCommand(
                """
                INSERT INTO tasks (repository_id, title, description, acceptance, priority, vendor, model, base_branch, status,
                                   max_attempts, attempt_timeout, skip_verification, labels, backup_vendor, backup_model, max_turns,
                                   billing_mode, allowed_tools, delivery_flow, created_at, updated_at)
                SELECT r.id, @title, @description, @acceptance, @priority, @vendor, @model, coalesce(@branch, r.default_branch), @status,
                       coalesce(@max_attempts, r.max_attempts), coalesce(@attempt_timeout, r.attempt_timeout), @skip, @labels,
                       @backup_vendor, @backup_model, @max_turns, @billing_mode, @allowed_tools, @delivery_flow, @now, @now
                FROM repositories r WHERE r.id = @repository
                RETURNING id
                """,
                connection, transaction))
            {
                insert.Parameters.AddWithValue("repository", repository.Id);
                insert.Parameters.AddWithValue("title", title);
                insert.Parameters.AddWithValue("description", description);
                insert.Parameters.AddWithValue("acceptance", acceptance);
                insert.Parameters.AddWithValue("priority", (short)priority);
                insert.Parameters.AddWithValue("vendor", vendor);
                insert.Parameters.AddWithValue("model", model);
                insert.Parameters.Add(new NpgsqlParameter<string?>("branch", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = baseBranch });
                insert.Parameters.AddWithValue("status", status);
                insert.Parameters.Add(new NpgsqlParameter<int?>("max_attempts", NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = maxAttempts });
                insert.Parameters.Add(new NpgsqlParameter<TimeSpan?>("attempt_timeout", NpgsqlTypes.NpgsqlDbType.Interval) { TypedValue = attemptTimeout });
                insert.Parameters.AddWithValue("skip", request.SkipVerification);
                insert.Parameters.AddWithValue("labels", labels);
                insert.Parameters.AddWithValue("backup_vendor", backup.Vendor);
                insert.Parameters.AddWithValue("backup_model", backup.Model);
                insert.Parameters.Add(new NpgsqlParameter<int?>("max_turns", NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = maxTurns });
                insert.Parameters.AddWithValue("billing_mode", billingMode);
                insert.Parameters.AddWithValue("allowed_tools", allowedTools);
                insert.Parameters.AddWithValue("delivery_flow", deliveryFlow);
                insert.Parameters.AddWithValue("now", clock.GetUtcNow());
                taskId = (long)(await insert.ExecuteScalarAsync(cancellationToken)
                    ?? throw RepositoryApi.NotFound(request.Repository));
            }

            var change = (await transitions.LockAsync(transaction, taskId, cancellationToken))!;
            // The name, whichever reference (name or id) the request used.
            change.AddEvent(0, new TaskEvent { Created = new TaskCreated { Title = title, Repository = repository.Name } });
            if (request.Enqueue)
            {
                change.AddEvent(0, new TaskEvent
                {
                    StatusChanged = new StatusChanged { From = TaskStatus.Pending, To = TaskStatus.Queued, Reason = "created and queued" },
                });
            }

            await change.FlushAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            transitions.Committed();
        }

        if (request.Enqueue)
        {
            dispatch.Request();
        }

        return new CreateTaskResponse { Task = await ReadTaskAsync(taskId, cancellationToken) };
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
            ORDER BY t.id DESC
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("before", before);
        command.Parameters.AddWithValue("statuses", statuses);
        command.Parameters.Add(new NpgsqlParameter<long?>("repository", NpgsqlTypes.NpgsqlDbType.Bigint) { TypedValue = repositoryId });
        command.Parameters.AddWithValue("vendor", request.Vendor);
        command.Parameters.AddWithValue("label", request.Label);
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
        dispatch.Request();
        return new EnqueueTaskResponse { Task = await ReadTaskAsync(request.Id, context.CancellationToken) };
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
        if (redeliver)
        {
            deliveries.Wake();
        }
        else
        {
            dispatch.Request();
        }

        return new RetryTaskResponse { Task = await ReadTaskAsync(request.Id, context.CancellationToken) };
    }

    public override async Task<DeleteTaskResponse> DeleteTask(DeleteTaskRequest request, ServerCallContext context)
    {
        await ChangeAsync(request.Id, async change =>
        {
            change.Require("deleted", TaskStatuses.Pending, TaskStatuses.Done, TaskStatuses.Failed, TaskStatuses.Blocked, TaskStatuses.Cancelled);
            await change.ExecuteAsync("DELETE FROM tasks WHERE id = @task", _ => { }, context.CancellationToken);
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
        await using var command = dataSource.CreateCommand($"SELECT {TaskMappings.TaskColumns} FROM {TaskMappings.TaskFrom} WHERE t.id = @id");
        command.Parameters.AddWithValue("id", taskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? TaskMappings.ReadTask(reader) : throw TaskNotFound(taskId);
    }

    private static RpcException TaskNotFound(long taskId) => new(new Status(StatusCode.NotFound, $"Task {taskId} does not exist."));
}
