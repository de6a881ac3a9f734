using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static DevServer.Orchestrator.Tests.Delivery.DeliverySeed;

namespace DevServer.Orchestrator.Tests.Delivery;

/// <summary>
/// The delivery lease against a real database: renewed while a delivery outlasts it (a slow first clone, here a remote
/// that holds git's requests), so no other instance takes the task; a claim taken over meanwhile stops the delivery's
/// work and nothing of it is recorded. Each test has its own database.
/// </summary>
public sealed class DeliveryLeaseTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 60_000;

    // The shortest lease the options accept: renewed every 5/3 s.
    private static readonly Dictionary<string, string?> ShortLease = new()
    {
        ["Lease"] = "00:00:05",
        ["PollInterval"] = "00:00:00.200",
    };

    [Fact(Timeout = TimeoutMs)]
    public async Task DeliveryLoop_DeliveryOutlastsTheLease_RenewedAndDeliveredOnceWhileAnotherInstancePolls()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await DeliveryScenario.OverHttpAsync(postgres, ct);
        // Two instances of one cluster: both poll for deliverable tasks all along.
        await using var first = await DeliveryHost.StartAsync(scenario.ConnectionString, ShortLease, ct);
        await using var second = await DeliveryHost.StartAsync(scenario.ConnectionString, ShortLease, ct);

        await scenario.Remote.FirstRequest.WaitAsync(TimeSpan.FromSeconds(20), ct);
        var claimed = await ReadClaimAsync(scenario.DataSource, scenario.TaskId, ct) ?? throw new InvalidOperationException("the task is not claimed");
        // Hold the clone until the first claim is over, and a renewal or two later.
        await WaitUntilAsync(async () => Now > claimed.AddSeconds(1.5) && await ReadClaimAsync(scenario.DataSource, scenario.TaskId, ct) > claimed, ct);
        scenario.Remote.Open();
        await WaitUntilAsync(async () => await ReadStatusAsync(scenario.DataSource, scenario.TaskId, ct) != "delivering", ct);

        Assert.Equal("done", await ReadStatusAsync(scenario.DataSource, scenario.TaskId, ct));
        var events = await ReadEventKindsAsync(scenario.DataSource, scenario.TaskId, ct);
        Assert.Equal(1, events.Count(kind => kind == TaskEvent.KindOneofCase.DeliveryStarted));
        Assert.Equal(1, events.Count(kind => kind == TaskEvent.KindOneofCase.Delivered));
        Assert.DoesNotContain(TaskEvent.KindOneofCase.DeliveryFailed, events);
        Assert.Null(await ReadClaimAsync(scenario.DataSource, scenario.TaskId, ct));
        // The clone did finish: the series was applied and measured once the remote answered.
        Assert.True(await HasDiffStatisticsAsync(scenario.DataSource, scenario.TaskId, ct));
        Assert.DoesNotContain(first.Logs.Concat(second.Logs), entry => entry.Level >= LogLevel.Warning && entry.Message.Contains("lease", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task DeliveryLoop_ClaimTakenOverMidDelivery_GitStoppedAndNothingRecorded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await DeliveryScenario.OverHttpAsync(postgres, ct);
        await using var host = await DeliveryHost.StartAsync(scenario.ConnectionString, ShortLease, ct);
        await scenario.Remote.FirstRequest.WaitAsync(TimeSpan.FromSeconds(20), ct);

        // Another instance's claim, as one would take the task after our renewals had failed for a whole lease.
        var theirs = await StealClaimAsync(scenario.DataSource, scenario.TaskId, ct);

        // The next renewal finds the claim gone and stops the clone: git gives up its held request.
        await scenario.Remote.Abandoned.WaitAsync(TimeSpan.FromSeconds(15), ct);
        await WaitUntilAsync(() => Task.FromResult(host.Logs.Any(entry => entry.Message.Contains($"task {scenario.TaskId}: the task is no longer claimed", StringComparison.Ordinal))), ct);
        scenario.Remote.Open();
        // Two renewal intervals: a delivery that was not stopped, or a renewal that went on, would show by now.
        await Task.Delay(DeliveryLease.RenewalInterval(TimeSpan.FromSeconds(5)) * 2, ct);

        Assert.Equal("delivering", await ReadStatusAsync(scenario.DataSource, scenario.TaskId, ct));
        Assert.Equal(theirs, await ReadClaimAsync(scenario.DataSource, scenario.TaskId, ct));
        var events = await ReadEventKindsAsync(scenario.DataSource, scenario.TaskId, ct);
        Assert.Equal([TaskEvent.KindOneofCase.DeliveryStarted], events);
        Assert.DoesNotContain(host.Logs, entry => entry.Message.Contains("failed unexpectedly", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Lease_Running_RenewsUntilStoppedThenLeavesTheClaimAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await postgres.CreateDatabaseAsync(ct);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        // The loop never runs a round here: the test holds the lease itself, with a lease far below what options allow.
        await using var host = await DeliveryHost.StartAsync(connectionString, new Dictionary<string, string?> { ["PollInterval"] = "01:00:00" }, ct);
        var lease = TimeSpan.FromMilliseconds(600);
        var claim = DeliveryLease.Until(Now, lease);
        var taskId = await SeedDeliveringTaskAsync(dataSource, "/nowhere", "", [], ct, claim);

        DateTimeOffset? stopped;
        await using (var running = DeliveryLease.Start(host.Transitions, TimeProvider.System, lease, taskId, claim, NullLogger.Instance, ct))
        {
            // Past the first claim: only renewals keep it.
            await WaitUntilAsync(async () => Now > claim.AddMilliseconds(500) && await ReadClaimAsync(dataSource, taskId, ct) > Now, ct);
            Assert.False(running.Lost);
            Assert.False(running.Token.IsCancellationRequested);
            stopped = await running.StopAsync();
        }

        Assert.NotNull(stopped);
        Assert.True(stopped > claim);
        Assert.Equal(stopped, await ReadClaimAsync(dataSource, taskId, ct));
        await Task.Delay(DeliveryLease.RenewalInterval(lease) * 3, ct);
        Assert.Equal(stopped, await ReadClaimAsync(dataSource, taskId, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Lease_TaskCancelledMeanwhile_TokenCancelledAndStopReportsNoClaim()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await postgres.CreateDatabaseAsync(ct);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var host = await DeliveryHost.StartAsync(connectionString, new Dictionary<string, string?> { ["PollInterval"] = "01:00:00" }, ct);
        var lease = TimeSpan.FromMilliseconds(600);
        var claim = DeliveryLease.Until(Now, lease);
        var taskId = await SeedDeliveringTaskAsync(dataSource, "/nowhere", "", [], ct, claim);
        await using var running = DeliveryLease.Start(host.Transitions, TimeProvider.System, lease, taskId, claim, NullLogger.Instance, ct);

        // What CancelTask does to a delivering task.
        await ExecuteAsync(dataSource, "UPDATE tasks SET status = 'cancelled', delivery_claimed_until = NULL WHERE id = @task", taskId, ct);

        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (running.Token.Register(() => stopped.TrySetResult()))
        {
            await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        }

        Assert.True(running.Lost);
        Assert.Null(await running.StopAsync());
        Assert.Null(await ReadClaimAsync(dataSource, taskId, ct));
    }

    private static async Task<DateTimeOffset> StealClaimAsync(NpgsqlDataSource dataSource, long taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE tasks SET delivery_claimed_until = date_trunc('second', now()) + interval '1 hour' WHERE id = @task RETURNING delivery_claimed_until");
        command.Parameters.AddWithValue("task", taskId);
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync(cancellationToken))!, TimeSpan.Zero);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, long taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("task", taskId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<DateTimeOffset?> ReadClaimAsync(NpgsqlDataSource dataSource, long taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT delivery_claimed_until FROM tasks WHERE id = @task");
        command.Parameters.AddWithValue("task", taskId);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime value ? new DateTimeOffset(value, TimeSpan.Zero) : null;
    }

    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();
}
