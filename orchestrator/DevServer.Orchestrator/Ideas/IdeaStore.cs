using DevServer.Contracts.Ideas.V1;
using DevServer.Orchestrator.Tasks;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Ideas;

/// <summary><c>ideas</c> rows: the column list, reading a row, the stored kinds and the field rules.</summary>
internal static class IdeaStore
{
    public const string Folder = "folder";
    public const string Idea = "idea";
    public const int MaxTitleLength = 256;
    public const int MaxContentBytes = 64 * 1024;

    /// <summary>The columns <see cref="Read"/> expects, in order (from <c>ideas i</c>).</summary>
    public const string Columns = "i.id, i.parent_id, i.kind, i.title, i.content, i.sort_order, i.task_id, i.created_at, i.updated_at";

    public static Idea Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        ParentId = reader.IsDBNull(1) ? 0 : reader.GetInt64(1),
        Kind = reader.GetString(2) == Folder ? IdeaKind.Folder : IdeaKind.Idea,
        Title = reader.GetString(3),
        Content = reader.GetString(4),
        SortOrder = reader.GetInt32(5),
        TaskId = reader.IsDBNull(6) ? 0 : reader.GetInt64(6),
        CreatedAt = TaskMappings.ToTimestamp(reader, 7),
        UpdatedAt = TaskMappings.ToTimestamp(reader, 8),
    };

    public static string ToStored(IdeaKind kind) => kind switch
    {
        IdeaKind.Folder => Folder,
        IdeaKind.Idea => Idea,
        _ => throw TaskValidation.Invalid("kind must be IDEA_KIND_FOLDER or IDEA_KIND_IDEA."),
    };

    public static string Title(string title)
    {
        var trimmed = title.Trim();
        return trimmed.Length is 0 or > MaxTitleLength || trimmed.Any(char.IsControl)
            ? throw TaskValidation.Invalid($"title must be 1–{MaxTitleLength} characters without control characters.")
            : trimmed;
    }

    public static string Content(string content) => TaskValidation.Text(content, "content", MaxContentBytes);

    /// <summary>One idea or folder inside <paramref name="transaction"/>; NOT_FOUND when there is none.</summary>
    public static async Task<Idea> ReadAsync(NpgsqlTransaction transaction, long id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM ideas i WHERE i.id = @id", transaction.Connection, transaction);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : throw NotFound(id);
    }

    /// <summary>Locks a row (<c>FOR UPDATE</c> or <c>FOR SHARE</c>) and returns its kind and link; NOT_FOUND when there is none.</summary>
    public static async Task<(string Kind, long? TaskId)> LockAsync(
        NpgsqlTransaction transaction, long id, string lockMode, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT kind, task_id FROM ideas WHERE id = @id {lockMode}", transaction.Connection, transaction);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1))
            : throw NotFound(id);
    }

    /// <summary>The parent of a new or moved node must be a folder that exists (locked so it stays until commit).</summary>
    public static async Task CheckParentAsync(NpgsqlTransaction transaction, long parentId, CancellationToken cancellationToken)
    {
        if (parentId < 0)
        {
            throw TaskValidation.Invalid("parent_id must be a folder's id, or 0 for the top level.");
        }

        if (parentId > 0 && (await LockAsync(transaction, parentId, "FOR SHARE", cancellationToken)).Kind != Folder)
        {
            throw TaskValidation.Invalid($"Idea {parentId} is not a folder; only folders hold ideas.");
        }
    }

    public static RpcException NotFound(long id) => new(new Status(StatusCode.NotFound, $"Idea {id} does not exist."));
}
