using DevServer.Contracts.Templates.V1;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Tasks;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Templates;

/// <summary><c>task_templates</c> rows: the column list, reading a row into its wire message, and lookup by name or id.</summary>
internal static class TemplateStore
{
    /// <summary>The columns <see cref="Read"/> expects, in order.</summary>
    public const string Columns =
        """
        id, name, description, acceptance, repository, priority, vendor, model, backup_vendor, backup_model, max_turns,
        billing_mode, delivery_flow, skip_verification, labels, allowed_tools, created_at, updated_at
        """;

    /// <summary>A template by name or numeric id (names are never numbers, so the two cannot meet); null when there is none.</summary>
    public static async Task<TaskTemplate?> FindAsync(NpgsqlConnection connection, string reference, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM task_templates WHERE name = @name OR id = @id", connection);
        command.Parameters.AddWithValue("name", reference);
        command.Parameters.AddWithValue("id", long.TryParse(reference, out var id) ? id : -1L);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public static RpcException NotFound(string reference) =>
        new(new Status(StatusCode.NotFound, $"Template '{TaskValidation.Printable(reference)}' does not exist."));

    public static TaskTemplate Read(NpgsqlDataReader reader)
    {
        var template = new TaskTemplate
        {
            Id = reader.GetInt64(0),
            Name = reader.GetString(1),
            Description = reader.GetString(2),
            Acceptance = reader.GetString(3),
            Repository = reader.GetString(4),
            Priority = reader.GetInt16(5),
            Vendor = reader.GetString(6),
            Model = reader.GetString(7),
            BackupVendor = reader.GetString(8),
            BackupModel = reader.GetString(9),
            TurnLimit = AgentSettings.ToTurnLimit(reader.IsDBNull(10) ? null : reader.GetInt32(10)),
            BillingMode = AgentSettings.ToBillingMode(reader.GetString(11)),
            DeliveryFlow = DeliveryFlows.FromStored(reader.GetString(12)),
            SkipVerification = reader.GetBoolean(13),
            CreatedAt = TaskMappings.ToTimestamp(reader, 16),
            UpdatedAt = TaskMappings.ToTimestamp(reader, 17),
        };
        template.Labels.AddRange(reader.GetFieldValue<string[]>(14));
        template.AllowedTools.AddRange(reader.GetFieldValue<string[]>(15));
        return template;
    }
}
