using DevServer.Orchestrator.Queue;
using DevServer.Orchestrator.Scheduling;
using DevServer.Orchestrator.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace DevServer.Orchestrator.Settings;

/// <summary>The run-time settings every orchestrator shares (the single <c>queue_settings</c> row).</summary>
internal sealed record RuntimeSettings(bool Paused, int MaxConcurrency, bool AutoEnqueue, bool NotificationsEnabled);

/// <summary>A change to <see cref="RuntimeSettings"/>; null fields keep their value.</summary>
internal sealed record SettingsChange(bool? Paused = null, int? MaxConcurrency = null, bool? AutoEnqueue = null, bool? NotificationsEnabled = null)
{
    public bool IsEmpty => Paused is null && MaxConcurrency is null && AutoEnqueue is null && NotificationsEnabled is null;
}

/// <summary>
/// The one way the settings are read and changed, for QueueService.UpdateQueue and SettingsService.UpdateSettings alike:
/// a change is validated whole (nothing is written when any part is wrong), written with a <c>NOTIFY</c> in the same
/// transaction so every instance's queue watchers see it, and followed by a dispatch request on this instance, because
/// resuming or raising the limit may let queued work start now.
/// </summary>
internal sealed class SettingsStore(NpgsqlDataSource dataSource, DispatchRequests dispatch, TimeProvider clock)
{
    public const int MinConcurrency = 1;
    public const int MaxConcurrency = 10;

    public async Task<RuntimeSettings> ReadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT paused, max_concurrency, auto_enqueue, notifications_enabled FROM queue_settings");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    /// <summary>Applies <paramref name="change"/> and returns the settings after it; INVALID_ARGUMENT (nothing written) for a value out of range.</summary>
    public async Task<RuntimeSettings> UpdateAsync(SettingsChange change, CancellationToken cancellationToken)
    {
        if (change.MaxConcurrency is < MinConcurrency or > MaxConcurrency)
        {
            throw TaskValidation.Invalid($"max_concurrency must be between {MinConcurrency} and {MaxConcurrency}.");
        }

        RuntimeSettings settings;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var command = new NpgsqlCommand(
                """
                UPDATE queue_settings SET paused = coalesce(@paused, paused), max_concurrency = coalesce(@max, max_concurrency),
                    auto_enqueue = coalesce(@auto_enqueue, auto_enqueue), notifications_enabled = coalesce(@notifications, notifications_enabled),
                    updated_at = @now
                RETURNING paused, max_concurrency, auto_enqueue, notifications_enabled
                """, connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<bool?>("paused", NpgsqlDbType.Boolean) { TypedValue = change.Paused });
                command.Parameters.Add(new NpgsqlParameter<int?>("max", NpgsqlDbType.Integer) { TypedValue = change.MaxConcurrency });
                command.Parameters.Add(new NpgsqlParameter<bool?>("auto_enqueue", NpgsqlDbType.Boolean) { TypedValue = change.AutoEnqueue });
                command.Parameters.Add(new NpgsqlParameter<bool?>("notifications", NpgsqlDbType.Boolean) { TypedValue = change.NotificationsEnabled });
                command.Parameters.AddWithValue("now", clock.GetUtcNow());
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                settings = Read(reader);
            }

            await QueueChanges.AnnounceAsync(transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (change.Paused is not null || change.MaxConcurrency is not null)
        {
            dispatch.Request();
        }

        return settings;
    }

    private static RuntimeSettings Read(NpgsqlDataReader reader) =>
        new(reader.GetBoolean(0), reader.GetInt32(1), reader.GetBoolean(2), reader.GetBoolean(3));
}
