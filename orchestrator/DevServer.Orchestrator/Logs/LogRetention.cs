using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace DevServer.Orchestrator.Logs;

/// <summary>Deletes entries older than <see cref="LogsOptions.MaxAge"/> and all but the newest <see cref="LogsOptions.MaxEntries"/>.</summary>
internal sealed class LogRetention(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The delete, parameters <c>@cutoff</c> and <c>@keep</c>. Both conditions are answered from an index (the time
    /// index of migration 0008, the position key), so a run that removes little reads little.
    /// </summary>
    internal const string PruneSql =
        """
        DELETE FROM log_entries
        WHERE at < @cutoff
           OR position < coalesce((SELECT position FROM log_entries ORDER BY position DESC OFFSET @keep - 1 LIMIT 1), 0)
        """;

    /// <summary>Deletes what is older than <paramref name="cutoff"/> and beyond the newest <paramref name="keep"/>; returns how many went.</summary>
    public async Task<long> PruneAsync(DateTimeOffset cutoff, int keep, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(PruneSql);
        command.Parameters.AddWithValue("cutoff", cutoff.ToUniversalTime());
        command.Parameters.AddWithValue("keep", keep);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Runs <see cref="LogRetention"/> every <see cref="LogsOptions.RetentionInterval"/> on one instance of the cluster.</summary>
[DisallowConcurrentExecution]
internal sealed partial class LogRetentionJob(LogRetention retention, IOptions<LogsOptions> options, TimeProvider clock, ILogger<LogRetentionJob> logger) : IJob
{
    public static readonly JobKey Key = new("log-retention", "logs");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var removed = await retention.PruneAsync(clock.GetUtcNow() - settings.MaxAge, settings.MaxEntries, cancellationToken);
        if (removed > 0)
        {
            LogPruned(logger, removed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Log retention deleted {Count} old entries")]
    private static partial void LogPruned(ILogger logger, long count);
}
