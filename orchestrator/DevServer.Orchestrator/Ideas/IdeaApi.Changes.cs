using DevServer.Contracts.Ideas.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Tasks;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Ideas;

/// <summary>UpdateIdea (edit, move, reorder) and ConvertIdeaToTask.</summary>
internal sealed partial class IdeaApi
{
    public override async Task<UpdateIdeaResponse> UpdateIdea(UpdateIdeaRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (!request.HasTitle && !request.HasContent && !request.HasParentId && !request.HasSortOrder)
        {
            throw TaskValidation.Invalid("set at least one field to change.");
        }

        string? title = request.HasTitle ? IdeaStore.Title(request.Title) : null;
        string? content = request.HasContent ? IdeaStore.Content(request.Content) : null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (request.HasParentId)
        {
            // Moves take turns: two moves checked side by side (A into B, B into A) could each pass and make a cycle.
            await using var lockTable = new NpgsqlCommand("LOCK TABLE ideas IN SHARE ROW EXCLUSIVE MODE", connection, transaction);
            await lockTable.ExecuteNonQueryAsync(cancellationToken);
        }

        var (kind, _) = await IdeaStore.LockAsync(transaction, request.Id, "FOR UPDATE", cancellationToken);
        if (kind == IdeaStore.Folder && content is { Length: > 0 })
        {
            throw TaskValidation.Invalid($"Idea {request.Id} is a folder; folders have no content.");
        }

        if (request.HasParentId)
        {
            await IdeaStore.CheckParentAsync(transaction, request.ParentId, cancellationToken);
            if (request.ParentId != 0 && await IsWithinAsync(transaction, request.ParentId, request.Id, cancellationToken))
            {
                throw TaskValidation.Invalid($"Idea {request.Id} cannot move into itself or a folder inside it.");
            }
        }

        await using (var update = new NpgsqlCommand(
            """
            UPDATE ideas
            SET title = coalesce(@title, title), content = coalesce(@content, content),
                parent_id = CASE WHEN @move THEN @parent ELSE parent_id END, sort_order = coalesce(@sort_order, sort_order),
                updated_at = @now
            WHERE id = @id
            """,
            connection, transaction))
        {
            update.Parameters.AddWithValue("id", request.Id);
            update.Parameters.Add(new NpgsqlParameter<string?>("title", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = title });
            update.Parameters.Add(new NpgsqlParameter<string?>("content", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = content });
            update.Parameters.AddWithValue("move", request.HasParentId);
            update.Parameters.Add(new NpgsqlParameter<long?>("parent", NpgsqlTypes.NpgsqlDbType.Bigint) { TypedValue = ParentOrNull(request.ParentId) });
            update.Parameters.Add(new NpgsqlParameter<int?>("sort_order", NpgsqlTypes.NpgsqlDbType.Integer)
            {
                TypedValue = request.HasSortOrder ? request.SortOrder : null,
            });
            update.Parameters.AddWithValue("now", clock.GetUtcNow());
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        var idea = await IdeaStore.ReadAsync(transaction, request.Id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new UpdateIdeaResponse { Idea = idea };
    }

    public override async Task<ConvertIdeaToTaskResponse> ConvertIdeaToTask(ConvertIdeaToTaskRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        CreatedTask created;
        Idea idea;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Locked first, so two conversions of one idea cannot both pass the link check.
            var (kind, linked) = await IdeaStore.LockAsync(transaction, request.Id, "FOR UPDATE", cancellationToken);
            if (kind == IdeaStore.Folder)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Idea {request.Id} is a folder; only ideas become tasks."));
            }

            if (linked is { } taskId)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Idea {request.Id} already became task {taskId}."));
            }

            var source = await IdeaStore.ReadAsync(transaction, request.Id, cancellationToken);
            var task = request.Task?.Clone() ?? new CreateTaskRequest();
            if (task.Title.Length == 0)
            {
                task.Title = TaskTitle(source.Title);
            }

            if (task.Description.Length == 0)
            {
                task.Description = source.Content;
            }

            created = await creation.CreateAsync(transaction, task, async newTask =>
            {
                await using var link = new NpgsqlCommand("UPDATE ideas SET task_id = @task, updated_at = @now WHERE id = @id", connection, transaction);
                link.Parameters.AddWithValue("task", newTask);
                link.Parameters.AddWithValue("now", clock.GetUtcNow());
                link.Parameters.AddWithValue("id", request.Id);
                await link.ExecuteNonQueryAsync(cancellationToken);
            }, cancellationToken);
            idea = await IdeaStore.ReadAsync(transaction, request.Id, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        creation.Committed(created);
        return new ConvertIdeaToTaskResponse { Task = created.Task, Idea = idea };
    }

    /// <summary>An idea's title may be longer than a task's: the task gets its beginning, marked as cut.</summary>
    private static string TaskTitle(string ideaTitle) =>
        ideaTitle.Length <= TaskValidation.MaxTitleLength ? ideaTitle : ideaTitle[..(TaskValidation.MaxTitleLength - 1)].TrimEnd() + "…";

    /// <summary>Whether <paramref name="node"/> is <paramref name="ancestor"/> or lies inside it.</summary>
    private static async Task<bool> IsWithinAsync(NpgsqlTransaction transaction, long node, long ancestor, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            WITH RECURSIVE inside AS (
                SELECT id FROM ideas WHERE id = @ancestor
                UNION ALL
                SELECT i.id FROM ideas i JOIN inside s ON i.parent_id = s.id
            )
            SELECT EXISTS (SELECT 1 FROM inside WHERE id = @node)
            """,
            transaction.Connection, transaction);
        command.Parameters.AddWithValue("ancestor", ancestor);
        command.Parameters.AddWithValue("node", node);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }
}
