using DevServer.Contracts.Ideas.V1;
using DevServer.Orchestrator.Tasks;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Ideas;

/// <summary>The ideas tree: folders and markdown notes, each a row of <c>ideas</c> pointing at its folder.</summary>
internal sealed partial class IdeaApi(NpgsqlDataSource dataSource, TaskCreation creation, TimeProvider clock) : IdeaService.IdeaServiceBase
{
    public override async Task<CreateIdeaResponse> CreateIdea(CreateIdeaRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var kind = IdeaStore.ToStored(request.Kind);
        var title = IdeaStore.Title(request.Title);
        var content = IdeaStore.Content(request.Content);
        if (kind == IdeaStore.Folder && content.Length > 0)
        {
            throw TaskValidation.Invalid("a folder has no content; only ideas do.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await IdeaStore.CheckParentAsync(transaction, request.ParentId, cancellationToken);
        long id;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO ideas (parent_id, kind, title, content, sort_order, created_at, updated_at)
            VALUES (@parent, @kind, @title, @content, @sort_order, @now, @now)
            RETURNING id
            """,
            connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<long?>("parent", NpgsqlTypes.NpgsqlDbType.Bigint) { TypedValue = ParentOrNull(request.ParentId) });
            insert.Parameters.AddWithValue("kind", kind);
            insert.Parameters.AddWithValue("title", title);
            insert.Parameters.AddWithValue("content", content);
            insert.Parameters.AddWithValue("sort_order", request.SortOrder);
            insert.Parameters.AddWithValue("now", clock.GetUtcNow());
            id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }

        var idea = await IdeaStore.ReadAsync(transaction, id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreateIdeaResponse { Idea = idea };
    }

    public override async Task<GetIdeaResponse> GetIdea(GetIdeaRequest request, ServerCallContext context)
    {
        await using var command = dataSource.CreateCommand($"SELECT {IdeaStore.Columns} FROM ideas i WHERE i.id = @id");
        command.Parameters.AddWithValue("id", request.Id);
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        return await reader.ReadAsync(context.CancellationToken)
            ? new GetIdeaResponse { Idea = IdeaStore.Read(reader) }
            : throw IdeaStore.NotFound(request.Id);
    }

    public override async Task<ListIdeasResponse> ListIdeas(ListIdeasRequest request, ServerCallContext context)
    {
        // Each node's path is the list of its ancestors' ranks among their siblings, then its own: ordering by it puts
        // parents before children and siblings by sort order, then title (then id, so equal siblings keep one order).
        await using var command = dataSource.CreateCommand(
            $"""
            WITH RECURSIVE ranked AS (
                SELECT id, parent_id, row_number() OVER (PARTITION BY parent_id ORDER BY sort_order, title, id) AS rank FROM ideas
            ), tree AS (
                SELECT id, ARRAY[rank] AS path FROM ranked WHERE parent_id IS NULL
                UNION ALL
                SELECT r.id, t.path || r.rank FROM ranked r JOIN tree t ON r.parent_id = t.id
            )
            SELECT {IdeaStore.Columns} FROM tree JOIN ideas i ON i.id = tree.id ORDER BY tree.path
            """);
        var response = new ListIdeasResponse();
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            response.Ideas.Add(IdeaStore.Read(reader));
        }

        return response;
    }

    public override async Task<DeleteIdeaResponse> DeleteIdea(DeleteIdeaRequest request, ServerCallContext context)
    {
        // The foreign key would remove the contents too; naming them all here is what lets the count include them.
        await using var command = dataSource.CreateCommand(
            """
            WITH RECURSIVE doomed AS (
                SELECT id FROM ideas WHERE id = @id
                UNION ALL
                SELECT i.id FROM ideas i JOIN doomed d ON i.parent_id = d.id
            )
            DELETE FROM ideas WHERE id IN (SELECT id FROM doomed)
            """);
        command.Parameters.AddWithValue("id", request.Id);
        var deleted = await command.ExecuteNonQueryAsync(context.CancellationToken);
        return deleted > 0 ? new DeleteIdeaResponse { Deleted = deleted } : throw IdeaStore.NotFound(request.Id);
    }

    private static long? ParentOrNull(long parentId) => parentId == 0 ? null : parentId;
}
