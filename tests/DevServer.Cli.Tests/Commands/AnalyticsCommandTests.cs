using System.Collections.Concurrent;
using System.Text.Json;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts.Analytics.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Rpc;
using Rpc.Server;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Tests.Commands;

/// <summary>
/// <c>analytics</c>, <c>task retire|unretire</c> and <c>task list --include-retired</c>: what they send and print, against
/// a peer on loopback Kestrel that records each request and answers from a script.
/// </summary>
public sealed class AnalyticsCommandTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("devserver-cli-").FullName;
    private readonly Peer _peer = new();
    private WebApplication _app = null!;
    private string _server = "";

    public async ValueTask InitializeAsync()
    {
        var builder = LoopbackHost.CreateBuilder(shutdownTimeout: TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(_peer);
        builder.Services.AddRpc();
        _app = builder.Build();
        _app.MapRpcService<AnalyticsPeer>();
        _app.MapRpcService<TasksPeer>();
        _server = (await _app.StartOnLoopbackAsync(TestContext.Current.CancellationToken)).H2c.ToString().TrimEnd('/');
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Analytics_DaysAndZone_SentAndPrintedAsSummaryDaysAndVendors()
    {
        var result = await RunAsync("analytics", "--days", "3", "--time-zone", "America/New_York");

        Assert.True(result.ExitCode == 0, result.ToString());
        var request = Assert.IsType<GetAnalyticsRequest>(Assert.Single(_peer.Received));
        Assert.Equal((3, "America/New_York"), (request.Days, request.TimeZone));
        Assert.Equal(
            """
            Last 3 days, 2026-03-08 to 2026-03-10 (America/New_York)
              completed     1
              failed        1
              success rate  50%
              cost          $2.10
              agent time    1h 50m
              turns         32
              attempts      3

            DATE        DONE  FAILED  AVG TIME  AVG TURNS  COST
            2026-03-08  1     0       1h 30m    30         $2.00
            2026-03-09  0     1       20m       2.5        $0.10
            2026-03-10  0     0       -         -          $0.00

            VENDOR  COST   ATTEMPTS
            claude  $2.00  2
            gemini  $0.10  1

            """.ReplaceLineEndings("\n"),
            result.Out);
    }

    [Fact]
    public async Task Analytics_NoOptions_DefaultDaysAndTheMachinesZone()
    {
        var host = TestCli.Host() with { TimeProvider = new ZoneClock(TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")) };

        var result = await CliRun.Start(["analytics", "--server", _server, "--data", _data], host, TestContext.Current.CancellationToken)
            .ResultAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        var request = Assert.IsType<GetAnalyticsRequest>(Assert.Single(_peer.Received));
        Assert.Equal((0, "Europe/Berlin"), (request.Days, request.TimeZone));
    }

    [Fact]
    public async Task Analytics_NothingFinished_DashesAndNoVendorTable()
    {
        _peer.Analytics = new GetAnalyticsResponse
        {
            Summary = new AnalyticsSummary { AgentTime = new Duration() },
            Days = { new DailyFigures { Date = "2026-03-10", AverageDuration = new Duration() } },
        };

        var result = await RunAsync("analytics", "--days", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("Today, 2026-03-10 (UTC)\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("  success rate  -\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("  agent time    -\n", result.Out, StringComparison.Ordinal);
        Assert.EndsWith("2026-03-10  0     0       -         -          $0.00\n\nNo attempts in this period.\n", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("91")]
    [InlineData("week")]
    public async Task Analytics_DaysOutOfRange_UsageErrorWithoutACall(string days)
    {
        var result = await RunAsync("analytics", "--days", days);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--days", result.Error, StringComparison.Ordinal);
        Assert.Empty(_peer.Received);
    }

    [Fact]
    public async Task Analytics_ServerRefusesTheZone_RejectedWithItsMessage()
    {
        var result = await RunAsync("analytics", "--time-zone", "Mars/Olympus_Mons");

        Assert.Equal(ExitCodes.Rejected, result.ExitCode);
        Assert.Contains("time_zone 'Mars/Olympus_Mons' is not an IANA time zone", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analytics_Json_TheResponseAsOneLine()
    {
        var result = await RunAsync("analytics", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(3, json.RootElement.GetProperty("days").GetArrayLength());
        Assert.Equal("claude", json.RootElement.GetProperty("vendors")[0].GetProperty("vendor").GetString());
    }

    [Fact]
    public async Task TaskRetireAndUnretire_SendRetiredTrueThenFalse()
    {
        var retired = await RunAsync("task", "retire", "12");
        var back = await RunAsync("task", "unretire", "12");

        Assert.True(retired.ExitCode == 0, retired.ToString());
        Assert.Equal("Retired task 12 (done): Old work\n", retired.Out);
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Equal("Brought back task 12 (done): Old work\n", back.Out);
        var requests = _peer.Received.Cast<UpdateTaskRequest>().ToList();
        Assert.Equal([new UpdateTaskRequest { Id = 12, Retired = true }, new UpdateTaskRequest { Id = 12, Retired = false }], requests);
        Assert.True(requests[1].HasRetired);
    }

    [Fact]
    public async Task TaskRetire_Running_RejectedWithTheServersReason()
    {
        var result = await RunAsync("task", "retire", "13");

        Assert.Equal(ExitCodes.Rejected, result.ExitCode);
        Assert.Contains("Task 13 is running; it can be retired only when done", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskList_IncludeRetiredOnlyWhenGiven()
    {
        var plain = await RunAsync("task", "list");
        var all = await RunAsync("task", "list", "--include-retired");

        Assert.True(plain.ExitCode == 0 && all.ExitCode == 0, plain + "\n" + all);
        Assert.Equal([false, true], _peer.Received.Cast<ListTasksRequest>().Select(r => r.IncludeRetired));
    }

    private Task<CliResult> RunAsync(params string[] args) => TestCli.RunAsync([.. args, "--server", _server, "--data", _data]);

    /// <summary>What the peer answers and what it received.</summary>
    private sealed class Peer
    {
        public ConcurrentQueue<IMessage> Received { get; } = new();

        public GetAnalyticsResponse Analytics { get; set; } = new()
        {
            Summary = new AnalyticsSummary
            {
                Completed = 1,
                Failed = 1,
                SuccessRate = 0.5,
                TotalCostUsd = 2.10,
                AgentTime = Duration.FromTimeSpan(TimeSpan.FromMinutes(110)),
                TotalTurns = 32,
                Attempts = 3,
            },
            Days =
            {
                new DailyFigures { Date = "2026-03-08", Completed = 1, AverageDuration = Duration.FromTimeSpan(TimeSpan.FromMinutes(90)), AverageTurns = 30, CostUsd = 2.00 },
                new DailyFigures { Date = "2026-03-09", Failed = 1, AverageDuration = Duration.FromTimeSpan(TimeSpan.FromMinutes(20)), AverageTurns = 2.5, CostUsd = 0.10 },
                new DailyFigures { Date = "2026-03-10", AverageDuration = new Duration() },
            },
            Vendors =
            {
                new VendorCost { Vendor = "claude", CostUsd = 2.00, Attempts = 2, DailyCostUsd = { 2.00, 0, 0 } },
                new VendorCost { Vendor = "gemini", CostUsd = 0.10, Attempts = 1, DailyCostUsd = { 0, 0.10, 0 } },
            },
        };
    }

    private sealed class AnalyticsPeer(Peer peer) : AnalyticsService.AnalyticsServiceBase
    {
        public override Task<GetAnalyticsResponse> GetAnalytics(GetAnalyticsRequest request, ServerCallContext context)
        {
            peer.Received.Enqueue(request);
            return request.TimeZone.StartsWith("Mars/", StringComparison.Ordinal)
                ? throw new RpcException(new Status(StatusCode.InvalidArgument, $"time_zone '{request.TimeZone}' is not an IANA time zone (for example Europe/Berlin)."))
                : Task.FromResult(peer.Analytics);
        }
    }

    private sealed class TasksPeer(Peer peer) : TaskService.TaskServiceBase
    {
        public override Task<UpdateTaskResponse> UpdateTask(UpdateTaskRequest request, ServerCallContext context)
        {
            peer.Received.Enqueue(request);
            if (request.Id == 13)
            {
                throw new RpcException(new Status(
                    StatusCode.FailedPrecondition, "Task 13 is running; it can be retired only when done or failed or blocked or cancelled."));
            }

            var task = new AgentTask { Id = request.Id, Title = "Old work", Status = TaskStatus.Done };
            if (request.Retired)
            {
                task.RetiredAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero));
            }

            return Task.FromResult(new UpdateTaskResponse { Task = task });
        }

        public override Task<ListTasksResponse> ListTasks(ListTasksRequest request, ServerCallContext context)
        {
            peer.Received.Enqueue(request);
            return Task.FromResult(new ListTasksResponse());
        }
    }

    /// <summary>The system clock with another local zone, as on a machine set to it.</summary>
    private sealed class ZoneClock(TimeZoneInfo zone) : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => zone;
    }
}
