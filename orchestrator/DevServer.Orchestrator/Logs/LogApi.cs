using DevServer.Contracts.Logs.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Rpc;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Orchestrator.Logs;

/// <summary>
/// The cluster's log for the dashboard: the latest entries, then every new one. A watch reads the newest committed
/// position first and then only entries up to it; since inserts commit in position order (<see cref="LogWriter"/>),
/// everything at or below that position is already visible, so moving the mark there never skips an entry and never
/// sends one twice. New reads happen on <c>NOTIFY devserver_logs</c> (<see cref="LogFeed"/>) and at least every
/// <see cref="FallbackInterval"/> (a lost notification).
/// </summary>
internal sealed class LogApi(NpgsqlDataSource dataSource, LogFeed feed) : LogService.LogServiceBase
{
    private const int DefaultTail = 500;
    private const int MaxTail = 5000;
    private const int PageSize = 500;
    private const int MaxSourcePrefix = 256;

    // A response stays well below the 4 MiB a client accepts by default, whatever the entries' sizes.
    private const int MaxResponseBytes = 1024 * 1024;

    private static readonly TimeSpan FallbackInterval = TimeSpan.FromSeconds(3);

    private const string Columns = "position, at, level, source, category, message, exception";
    private const string Filters = "level >= @min AND starts_with(source, @prefix)";

    public override async Task WatchLogs(WatchLogsRequest request, IServerStreamWriter<WatchLogsResponse> responseStream, ServerCallContext context)
    {
        var filter = Validate(request);
        var cancellationToken = context.CancellationToken;
        try
        {
            var change = feed.NextChange;
            var last = request.AfterPosition > 0 ? request.AfterPosition : await HeadAsync(cancellationToken);

            // The headers say "from here on nothing is missed" before the first entry, however long that takes.
            await context.WriteResponseHeadersAsync(new Metadata());
            switch (request.AfterPosition)
            {
                case 0:
                    await SendAsync(responseStream, await ReadTailAsync(filter, last, request.Tail == 0 ? DefaultTail : request.Tail, cancellationToken), cancellationToken);
                    break;
                case > 0:
                    last = await SendNewAsync(responseStream, filter, last, cancellationToken);
                    break;
                default:
                    break;
            }

            if (request.AnnounceCaughtUp)
            {
                await responseStream.WriteAsync(new WatchLogsResponse { CaughtUp = true }, cancellationToken);
            }

            while (true)
            {
                await WaitForChangeAsync(change, cancellationToken);
                change = feed.NextChange;
                last = await SendNewAsync(responseStream, filter, last, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The watcher went away: a clean end.
        }
    }

    private static Filter Validate(WatchLogsRequest request)
    {
        string? problem = null;
        if (request.AfterPosition < -1)
        {
            problem = "after_position must be -1 (only new entries), 0 (the latest first) or a position.";
        }
        else if (request.Tail is < 0 or > MaxTail)
        {
            problem = $"tail must be between 1 and {MaxTail} (0 means {DefaultTail}).";
        }
        else if (!System.Enum.IsDefined(request.MinLevel))
        {
            problem = "min_level is not a log level.";
        }
        else if (request.SourcePrefix.Length > MaxSourcePrefix)
        {
            problem = $"source_prefix must be at most {MaxSourcePrefix} characters.";
        }

        return problem is null
            ? new Filter(request.MinLevel == ProtoLogLevel.Unspecified ? ProtoLogLevel.Information : request.MinLevel, request.SourcePrefix)
            : throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
    }

    private static async Task WaitForChangeAsync(Task change, CancellationToken cancellationToken)
    {
        try
        {
            await change.WaitAsync(FallbackInterval, cancellationToken);
        }
        catch (TimeoutException)
        {
            // No notification for a while: read anyway.
        }
    }

    /// <summary>The newest committed position (0 when the log is empty).</summary>
    private async Task<long> HeadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(position), 0) FROM log_entries");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<List<LogEntry>> ReadTailAsync(Filter filter, long head, int tail, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM (
                SELECT {Columns} FROM log_entries WHERE position <= @head AND {Filters} ORDER BY position DESC LIMIT @limit
            ) latest ORDER BY position
            """);
        command.Parameters.AddWithValue("head", head);
        command.Parameters.AddWithValue("limit", tail);
        return await ReadAsync(command, filter, cancellationToken);
    }

    /// <summary>Sends every matching entry after <paramref name="after"/> up to the current head, a page per response; returns the head.</summary>
    private async Task<long> SendNewAsync(IServerStreamWriter<WatchLogsResponse> responseStream, Filter filter, long after, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(cancellationToken);
        while (head > after)
        {
            List<LogEntry> page;
            await using (var command = dataSource.CreateCommand(
                $"SELECT {Columns} FROM log_entries WHERE position > @after AND position <= @head AND {Filters} ORDER BY position LIMIT @limit"))
            {
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("head", head);
                command.Parameters.AddWithValue("limit", PageSize);
                page = await ReadAsync(command, filter, cancellationToken);
            }

            // Sent after the reader is closed: a slow watcher must not hold a pooled connection.
            await SendAsync(responseStream, page, cancellationToken);
            if (page.Count < PageSize)
            {
                return head;
            }

            after = page[^1].Position;
        }

        return Math.Max(head, after);
    }

    private static async Task<List<LogEntry>> ReadAsync(NpgsqlCommand command, Filter filter, CancellationToken cancellationToken)
    {
        command.Parameters.AddWithValue("min", (short)filter.MinLevel);
        command.Parameters.AddWithValue("prefix", filter.SourcePrefix);
        var entries = new List<LogEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new LogEntry
            {
                Position = reader.GetInt64(0),
                Time = Timestamp.FromDateTime(reader.GetFieldValue<DateTime>(1)),
                Level = (ProtoLogLevel)reader.GetInt16(2),
                Source = reader.GetString(3),
                Category = reader.GetString(4),
                Message = reader.GetString(5),
                Exception = reader.GetString(6),
            });
        }

        return entries;
    }

    /// <summary>The entries, oldest first, in as few responses as the size limit allows.</summary>
    private static async Task SendAsync(IServerStreamWriter<WatchLogsResponse> responseStream, List<LogEntry> entries, CancellationToken cancellationToken)
    {
        var response = new WatchLogsResponse();
        var bytes = 0;
        foreach (var entry in entries)
        {
            var size = entry.CalculateSize();
            if (response.Entries.Count > 0 && bytes + size > MaxResponseBytes)
            {
                await responseStream.WriteAsync(response, cancellationToken);
                response = new WatchLogsResponse();
                bytes = 0;
            }

            response.Entries.Add(entry);
            bytes += size;
        }

        if (response.Entries.Count > 0)
        {
            await responseStream.WriteAsync(response, cancellationToken);
        }
    }

    private sealed record Filter(ProtoLogLevel MinLevel, string SourcePrefix);
}
