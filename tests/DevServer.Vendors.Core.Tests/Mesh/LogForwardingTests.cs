using System.Diagnostics;
using System.Text;
using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Mesh;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Vendors.Core.Tests.Mesh;

/// <summary>The worker's own log entries going up the mesh as WorkerLogs: what is forwarded, its limits, what waits for a connection, and the last ones at a stop.</summary>
public sealed partial class LogForwardingTests
{
    private const int TimeoutMs = 30_000;
    private const string Category = "DevServer.Vendors.Core.Tests.Forwarded";

    [Fact(Timeout = TimeoutMs)]
    public async Task Worker_WarningWhileConnected_ForwardedWithinTheLimitsAndInformationIsNot()
    {
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, new HandlerScript());
        await mesh.WaitUntilAsync(m => m.Heartbeats >= 1, "the first heartbeat");
        var logger = worker.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);

        LogInformation(logger, "local");
        LogWarning(logger, new string('é', 20_000), new InvalidOperationException(new string('x', 40_000)));
        await mesh.WaitUntilAsync(m => Forwarded(m).Any(), "the forwarded warning");

        var (_, entry) = Assert.Single(Forwarded(mesh));
        Assert.Equal(ProtoLogLevel.Warning, entry.Level);
        Assert.StartsWith("Forwarded éé", entry.Message, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(entry.Message), ForwardedLogs.MaxMessageBytes - 1, ForwardedLogs.MaxMessageBytes);
        Assert.StartsWith("System.InvalidOperationException: xx", entry.Exception, StringComparison.Ordinal);
        Assert.Equal(ForwardedLogs.MaxExceptionBytes, Encoding.UTF8.GetByteCount(entry.Exception));
        Assert.True(Math.Abs((entry.Time.ToDateTimeOffset() - TimeProvider.System.GetUtcNow()).TotalMinutes) < 5);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Worker_WarningWhileDisconnected_SentOnTheNextConnection()
    {
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        var port = server.Address.Port;
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, new HandlerScript());
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the first connection");
        await server.StopAsync();
        await mesh.WaitUntilAsync(m => m.Connection == 0, "the disconnect");

        LogWarning(worker.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category), "while away", null);
        await using var restarted = await MeshDoubleServer.StartAsync(mesh, port);
        await mesh.WaitUntilAsync(m => Forwarded(m).Any(), "the warning after reconnecting");

        var (connection, entry) = Assert.Single(Forwarded(mesh));
        Assert.Equal(2, connection);
        Assert.Equal("Forwarded while away", entry.Message);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Stop_WarningJustBefore_ForwardedBeforeTheStreamCloses()
    {
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, new HandlerScript());
        await mesh.WaitUntilAsync(m => m.Heartbeats >= 1, "the first heartbeat");

        // Nothing to drain, so the stream closes well before the next of the writer's rounds for log entries.
        LogWarning(worker.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category), "just before the stop", null);
        await worker.StopAsync();

        await mesh.WaitUntilAsync(m => m.ClosedByWorker == 1, "the worker's half-close");
        var (_, entry) = Assert.Single(Forwarded(mesh));
        Assert.Equal("Forwarded just before the stop", entry.Message);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Stop_WarningOfTheStopItself_ForwardedBeforeTheStreamCloses()
    {
        // A result the orchestrator never stores: the stop waits out its grace, then warns about it and closes at once.
        var mesh = new MeshDouble { StoreResults = false };
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, new HandlerScript(), settings => settings["Worker:ShutdownGrace"] = "00:00:00.300");
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1"));
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the result");

        await worker.StopAsync();

        await mesh.WaitUntilAsync(m => m.ClosedByWorker == 1, "the worker's half-close");
        var entry = Assert.Single(ForwardedFrom(mesh, typeof(WorkerHost).FullName!));
        Assert.Equal(ProtoLogLevel.Warning, entry.Level);
        Assert.Equal("Stopped with 1 assignments whose results the orchestrator has not stored", entry.Message);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Stop_OrchestratorStoppedReading_EndsWithinTheClosingBound()
    {
        var mesh = new MeshDouble { StallReading = true };
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, new HandlerScript());
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        var logger = worker.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);

        // About 2.4 MB waiting at the stop, far past what HTTP/2 flow control lets through unread (Kestrel: 768 KiB
        // per stream): sending it, the writer is left waiting in a write, as with a hung orchestrator.
        for (var i = 0; i < 100; i++)
        {
            LogWarning(logger, new string('a', ForwardedLogs.MaxMessageBytes), new InvalidOperationException(new string('x', ForwardedLogs.MaxExceptionBytes)));
        }

        var started = Stopwatch.GetTimestamp();
        await worker.StopAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);

        // The bound is 2 s after the (here empty) drain; the host's own limit in WorkerUnderTest is 20 s.
        Assert.True(elapsed < TimeSpan.FromSeconds(8), $"The stop took {elapsed}.");
        // The bound ended it and said so (an entry that stays with the worker's process, the call being over).
        var unsent = worker.Services.GetRequiredService<ForwardedLogs>();
        var left = new List<WorkerLogEntry>();
        while (unsent.Take() is { } logs)
        {
            left.AddRange(logs.Entries);
        }

        Assert.Contains(left, e => e.Category == typeof(WorkerHost).FullName && e.Message.Contains("did not take the worker's last messages", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Stop_OrchestratorUnreachableWithEntriesWaiting_EndsPromptly()
    {
        var mesh = new MeshDouble();
        var probe = await MeshDoubleServer.StartAsync(mesh);
        var address = probe.Address;
        await probe.StopAsync();
        await using var worker = await WorkerUnderTest.StartAsync(address, new HandlerScript());
        LogWarning(worker.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category), "for nobody", null);
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);

        var started = Stopwatch.GetTimestamp();
        await worker.StopAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"The stop took {elapsed}.");
        Assert.Empty(mesh.Hellos);
    }

    [Fact]
    public void ForwardedLogs_Full_DropsAndReportsTheCountWithTheNextMessage()
    {
        var logs = new ForwardedLogs(3);
        for (var i = 1; i <= 5; i++)
        {
            logs.Add(TimeProvider.System.GetUtcNow(), LogLevel.Error, Category, $"m{i}", null);
        }

        var first = logs.Take();
        var second = logs.Take();

        Assert.NotNull(first);
        Assert.Equal(["m1", "m2", "m3"], first.Entries.Select(e => e.Message));
        Assert.Equal(2, first.Dropped);
        Assert.All(first.Entries, e => Assert.Equal(ProtoLogLevel.Error, e.Level));
        Assert.Null(second);
        Assert.False(logs.HasPending);
    }

    [Fact]
    public void ForwardedLogs_ManyEntries_MessagesOfAtMost500EntriesAndTheByteBudget()
    {
        var small = new ForwardedLogs(1000);
        for (var i = 1; i <= 600; i++)
        {
            small.Add(TimeProvider.System.GetUtcNow(), LogLevel.Warning, Category, $"m{i}", null);
        }

        var large = new ForwardedLogs(1000);
        for (var i = 1; i <= 100; i++)
        {
            large.Add(TimeProvider.System.GetUtcNow(), LogLevel.Warning, Category, new string('a', 8192), null);
        }

        Assert.Equal([500, 100], [small.Take()!.Entries.Count, small.Take()!.Entries.Count]);
        var batch = large.Take()!;
        Assert.InRange(batch.CalculateSize(), ForwardedLogs.MaxBytesPerMessage / 2, ForwardedLogs.MaxBytesPerMessage + 100);
        Assert.True(batch.Entries.Count < 100);
    }

    [Fact]
    public void ForwardedLogs_LostBatch_CountedAsDroppedInTheNextMessage()
    {
        var logs = new ForwardedLogs(10);
        logs.Add(TimeProvider.System.GetUtcNow(), LogLevel.Warning, Category, "lost", null);
        var lost = logs.Take()!;

        logs.CountLost(lost.Entries.Count);
        var next = logs.Take();

        Assert.NotNull(next);
        Assert.Empty(next.Entries);
        Assert.Equal(1, next.Dropped);
    }

    private static IEnumerable<(int Connection, WorkerLogEntry Entry)> Forwarded(MeshDouble mesh) =>
        mesh.Arrivals.Where(a => a.Message.Logs is not null)
            .SelectMany(a => a.Message.Logs.Entries.Select(e => (a.Connection, e)))
            .Where(pair => pair.e.Category == Category);

    private static IEnumerable<WorkerLogEntry> ForwardedFrom(MeshDouble mesh, string category) =>
        mesh.Arrivals.Where(a => a.Message.Logs is not null)
            .SelectMany(a => a.Message.Logs.Entries)
            .Where(e => e.Category == category);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarded {Text}")]
    private static partial void LogWarning(ILogger logger, string text, Exception? exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept {Text}")]
    private static partial void LogInformation(ILogger logger, string text);
}
