using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Repositories;
using DevServer.Orchestrator.Scheduling;
using DevServer.Orchestrator.Templates;
using Npgsql;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tasks;

/// <summary>
/// The one way a task is created (CreateTask, ConvertIdeaToTask): the template's values fill what the request left
/// empty, the result is validated as one request, then the task and its events are stored inside the caller's
/// transaction, so a caller can store more beside it (an idea's link) and everything commits or nothing does.
/// </summary>
internal sealed class TaskCreation(NpgsqlDataSource dataSource, TaskTransitions transitions, DispatchRequests dispatch, TimeProvider clock)
{
    /// <summary>Creates a task in a transaction of its own; returns it as created.</summary>
    public async Task<AgentTask> CreateAsync(CreateTaskRequest request, CancellationToken cancellationToken)
    {
        CreatedTask created;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            created = await CreateAsync(transaction, request, alongside: null, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        Committed(created);
        return created.Task;
    }

    /// <summary>
    /// Creates a task inside <paramref name="transaction"/>. <paramref name="alongside"/> runs with the new task's id
    /// after its row is written and before its events are appended (appending holds the event log's lock until commit,
    /// so it comes last). Call <see cref="Committed"/> after committing.
    /// </summary>
    public async Task<CreatedTask> CreateAsync(
        NpgsqlTransaction transaction, CreateTaskRequest request, Func<long, Task>? alongside, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        if (request.Template.Length > 0)
        {
            var template = await TemplateStore.FindAsync(connection, request.Template, cancellationToken)
                ?? throw TemplateStore.NotFound(request.Template);
            request = TemplateMerge.Apply(request, template);
        }

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

        var repository = await RepositoryApi.FindAsync(connection, request.Repository, cancellationToken)
            ?? throw RepositoryApi.NotFound(request.Repository);
        // Read in this transaction: a task created while someone switches auto-enqueue follows one value or the other.
        var enqueue = request.HasEnqueue ? request.Enqueue : await AutoEnqueueAsync(transaction, cancellationToken);
        long taskId;
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
            insert.Parameters.AddWithValue("status", enqueue ? TaskStatuses.Queued : TaskStatuses.Pending);
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

        if (alongside is not null)
        {
            await alongside(taskId);
        }

        var change = (await transitions.LockAsync(transaction, taskId, cancellationToken))!;
        // The name, whichever reference (name or id) the request used.
        change.AddEvent(0, new TaskEvent { Created = new TaskCreated { Title = title, Repository = repository.Name } });
        if (enqueue)
        {
            change.AddEvent(0, new TaskEvent
            {
                StatusChanged = new StatusChanged { From = TaskStatus.Pending, To = TaskStatus.Queued, Reason = "created and queued" },
            });
        }

        await change.FlushAsync(cancellationToken);
        // Read before the commit: once committed, the dispatcher may move a queued task on at once, and the caller is
        // shown the task it created, not whatever it has become a moment later.
        await using var read = new NpgsqlCommand(null, connection, transaction);
        var created = await TaskMappings.FindTaskAsync(read, taskId, cancellationToken)
            ?? throw new InvalidOperationException($"Task {taskId} vanished inside the transaction that created it.");
        return new CreatedTask(created, enqueue);
    }

    /// <summary>After the transaction holding <paramref name="created"/> committed: the event pump and the dispatcher are told.</summary>
    public void Committed(CreatedTask created)
    {
        transitions.Committed();
        if (created.Queued)
        {
            dispatch.Request();
        }
    }

    private static async Task<bool> AutoEnqueueAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT auto_enqueue FROM queue_settings", transaction.Connection, transaction);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }
}

/// <summary>A task stored by <see cref="TaskCreation"/>, and whether it was queued at once.</summary>
internal readonly record struct CreatedTask(AgentTask Task, bool Queued);
