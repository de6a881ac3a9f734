using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Orchestrator.Logs;

/// <summary>
/// Empties <see cref="LogBuffer"/> into <c>log_entries</c>: gathers for <see cref="LogsOptions.FlushInterval"/> (or until
/// <see cref="LogsOptions.BatchSize"/> entries wait), then inserts the batch in one transaction that holds a
/// transaction-scoped advisory lock until it commits and NOTIFYs <c>devserver_logs</c>. The lock makes every writer
/// of the cluster commit in position order, so a watcher that has seen position P can never later find a smaller one
/// appear: "everything after P" misses nothing. While the database cannot be reached it holds its batch and tries
/// again, so an outage costs only what overflows the buffer (those drops are reported once it is back): the entries of
/// an outage are the ones an operator reads afterwards. Its own failures go to the other log providers only (its
/// category is not stored, see <see cref="DatabaseLoggerProvider"/>).
/// </summary>
internal sealed partial class LogWriter(
    NpgsqlDataSource dataSource,
    LogBuffer buffer,
    IOptions<LogsOptions> options,
    OrchestratorInstance instance,
    TimeProvider clock,
    ILogger<LogWriter> logger) : BackgroundService
{
    /// <summary>The advisory lock key of log inserts ("DSLOGENT"), shared by every instance.</summary>
    private const long LockKey = 0x4453_4C4F_4745_4E54;

    /// <summary>Tries of a batch the database refuses (not an outage: something in the batch or the schema is wrong).</summary>
    private const int Attempts = 3;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The pause before the first new try while the database cannot be reached; it doubles up to <see cref="MaxOutagePause"/>.</summary>
    private static readonly TimeSpan FirstOutagePause = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxOutagePause = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(5);

    private readonly LogsOptions _settings = options.Value;

    // Inserts are not cut short by the stop itself (a batch taken is a batch stored), only by the final flush's time limit.
    private readonly CancellationTokenSource _writesStop = new(Timeout.InfiniteTimeSpan, clock);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _writesStop.CancelAfter(FinalFlushTimeout);
        await base.StopAsync(cancellationToken);
        if (ExecuteTask is { IsCompleted: false })
        {
            // The host gave up waiting; the loop still owns the buffer.
            return;
        }

        // What is still buffered (the shutdown's own entries included, or all of it when the loop never ran) goes in now.
        var batch = new List<PendingLogEntry>(_settings.BatchSize + 1);
        try
        {
            do
            {
                Fill(batch);
                await StoreAsync(batch, _writesStop.Token);
            }
            while (batch.Count > 0);
        }
        catch (OperationCanceledException) when (_writesStop.IsCancellationRequested)
        {
            LogFinalFlushTimedOut(logger, buffer.Reader.Count);
        }
    }

    public override void Dispose()
    {
        _writesStop.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = buffer.Reader;
        var batch = new List<PendingLogEntry>(_settings.BatchSize + 1);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                if (reader.Count < _settings.BatchSize)
                {
                    await Task.Delay(_settings.FlushInterval, clock, stoppingToken);
                }

                Fill(batch);
                await StoreAsync(batch, _writesStop.Token);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || _writesStop.IsCancellationRequested)
        {
            // Stopping: StopAsync stores the rest.
        }
    }

    /// <summary>Takes up to a batch of entries, plus the report of entries dropped since the last batch.</summary>
    private void Fill(List<PendingLogEntry> batch)
    {
        batch.Clear();
        while (batch.Count < _settings.BatchSize && buffer.Reader.TryRead(out var entry))
        {
            batch.Add(entry);
        }

        if (buffer.TakeDropped() is > 0 and var dropped)
        {
            batch.Add(new PendingLogEntry(
                clock.GetUtcNow(), ProtoLogLevel.Warning, PendingLogEntry.OrchestratorSource(instance.Id), typeof(LogWriter).FullName!,
                $"{dropped} log entries were dropped: the log buffer was full or the database did not take them", ""));
        }
    }

    /// <summary>
    /// Inserts the batch. While the database cannot be reached it keeps the batch and tries again after a growing pause,
    /// until the database is back or the writer stops. A batch the database refuses is tried <see cref="Attempts"/>
    /// times, then dropped and counted.
    /// </summary>
    private async Task StoreAsync(List<PendingLogEntry> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var refusals = 0;
        var outagePause = FirstOutagePause;
        var unreachableSince = (DateTimeOffset?)null;
        while (true)
        {
            try
            {
                await InsertAsync(batch, cancellationToken);
                if (unreachableSince is { } since)
                {
                    var outage = clock.GetUtcNow() - since;
                    LogStoredAfterOutage(logger, batch.Count, outage);
                }

                return;
            }
            catch (Exception exception) when (IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
            {
                if (unreachableSince is null)
                {
                    unreachableSince = clock.GetUtcNow();
                    LogDatabaseUnreachable(logger, batch.Count, buffer.Reader.Count, exception);
                }

                await Task.Delay(outagePause, clock, cancellationToken);
                outagePause = TimeSpan.FromTicks(Math.Min(outagePause.Ticks * 2, MaxOutagePause.Ticks));
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && cancellationToken.IsCancellationRequested)
            {
                // Stopping. A hung server ignores the cancellation, and Npgsql ends the insert only at its command
                // timeout: that is the stop's cancellation too, not a failure of the writer.
                throw new OperationCanceledException("The log writer stopped before the database took the batch.", exception, cancellationToken);
            }
            catch (NpgsqlException exception)
            {
                if (++refusals == Attempts)
                {
                    LogBatchDropped(logger, batch.Count, exception);
                    buffer.CountDropped(batch.Count);
                    return;
                }

                LogInsertFailed(logger, batch.Count, exception);
                await Task.Delay(RetryDelay, clock, cancellationToken);
            }
        }
    }

    private static bool IsUnreachable(Exception exception) =>
        exception is TimeoutException || (exception is NpgsqlException npgsql && DatabaseErrors.IsUnreachable(npgsql));

    private async Task InsertAsync(List<PendingLogEntry> batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            $"""
            SELECT pg_advisory_xact_lock(@key);
            INSERT INTO log_entries (at, level, source, category, message, exception)
            SELECT * FROM unnest(@at, @level, @source, @category, @message, @exception);
            NOTIFY {PostgresNotifications.LogsChannel};
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("key", LockKey);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
            {
                TypedValue = [.. batch.Select(e => e.At.ToUniversalTime())],
            });
            command.Parameters.Add(new NpgsqlParameter<short[]>("level", NpgsqlDbType.Array | NpgsqlDbType.Smallint)
            {
                TypedValue = [.. batch.Select(e => (short)e.Level)],
            });
            AddText(command, "source", batch.Select(e => e.Source));
            AddText(command, "category", batch.Select(e => e.Category));
            AddText(command, "message", batch.Select(e => e.Message));
            AddText(command, "exception", batch.Select(e => e.Exception));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static void AddText(NpgsqlCommand command, string name, IEnumerable<string> values) =>
        command.Parameters.Add(new NpgsqlParameter<string[]>(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. values] });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store {Count} log entries; trying again")]
    private static partial void LogInsertFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store {Count} log entries; they are dropped")]
    private static partial void LogBatchDropped(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database cannot be reached: holding {Count} log entries ({Waiting} more waiting) and trying again")]
    private static partial void LogDatabaseUnreachable(ILogger logger, int count, int waiting, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored {Count} held log entries; the database was unreachable for {Outage}")]
    private static partial void LogStoredAfterOutage(ILogger logger, int count, TimeSpan outage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped before {Count} buffered log entries were stored")]
    private static partial void LogFinalFlushTimedOut(ILogger logger, int count);
}
