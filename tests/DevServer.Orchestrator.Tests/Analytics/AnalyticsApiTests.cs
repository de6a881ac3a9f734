using DevServer.Contracts.Analytics.V1;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Orchestrator.Tests.Tasks;
using Rpc;

namespace DevServer.Orchestrator.Tests.Analytics;

/// <summary>
/// GetAnalytics on a database of its own per test, with back-dated tasks and attempts and a fixed "now", so every figure
/// is known exactly. The week seeded here is the one in which New York moved its clocks (8 March 2026), and several
/// finishes sit next to local midnight, where a UTC bucketing would put them on another day.
/// </summary>
public sealed class AnalyticsApiTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 60_000;
    private const string NewYork = "America/New_York";

    // 12:00 in New York (EDT, UTC-4) on Tuesday 10 March 2026.
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 16, 0, 0, TimeSpan.Zero);

    [Fact(Timeout = TimeoutMs)]
    public async Task GetAnalytics_WeekInNewYork_TasksOnTheirLocalFinishDayAttemptsOnTheirLocalStartDay()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AnalyticsHost.StartAsync(postgres, Now, ct);
        await SeedWeekAsync(host.Seed, ct);

        var response = await host.Client.GetAnalyticsAsync(new GetAnalyticsRequest { Days = 7, TimeZone = NewYork }, cancellationToken: ct);

        Assert.Equal(["2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"], response.Days.Select(d => d.Date));
        Assert.Equal([0, 0, 0, 1, 0, 0, 1], response.Days.Select(d => d.Completed));
        Assert.Equal([0, 0, 0, 1, 0, 1, 0], response.Days.Select(d => d.Failed));
        Assert.Equal([0, 0, 0, 60, 0, 20, 45], response.Days.Select(d => d.AverageDuration.ToTimeSpan().TotalMinutes));
        Assert.Equal([0, 0, 0, 18, 0, 2, 12], response.Days.Select(d => d.AverageTurns));
        Assert.Equal([0, 0, 0.40, 2.50, 0, 0.10, 2.30], response.Days.Select(d => Math.Round(d.CostUsd, 4)));

        var summary = response.Summary;
        Assert.Equal((2, 2, 0.5), (summary.Completed, summary.Failed, summary.SuccessRate));
        Assert.Equal(5.30, summary.TotalCostUsd, precision: 6);
        // The running attempt's five minutes are left out; its turns and cost count.
        Assert.Equal(TimeSpan.FromMinutes(30 + 60 + 30 + 20 + 45 + 10), summary.AgentTime.ToTimeSpan());
        Assert.Equal((10 + 20 + 6 + 2 + 12 + 3 + 1, 7), (summary.TotalTurns, summary.Attempts));

        Assert.Equal(["claude", "gemini"], response.Vendors.Select(v => v.Vendor));
        var claude = response.Vendors[0];
        Assert.Equal((4.30, 4), (Math.Round(claude.CostUsd, 4), claude.Attempts));
        Assert.Equal([0, 0, 0, 2.00, 0, 0, 2.30], claude.DailyCostUsd.Select(c => Math.Round(c, 4)));
        var gemini = response.Vendors[1];
        Assert.Equal((1.00, 3), (Math.Round(gemini.CostUsd, 4), gemini.Attempts));
        Assert.Equal([0, 0, 0.40, 0.50, 0, 0.10, 0], gemini.DailyCostUsd.Select(c => Math.Round(c, 4)));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetAnalytics_SameWeekInUtc_LateLocalFinishesMoveToTheNextDay()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AnalyticsHost.StartAsync(postgres, Now, ct);
        await SeedWeekAsync(host.Seed, ct);

        var response = await host.Client.GetAnalyticsAsync(new GetAnalyticsRequest { Days = 7 }, cancellationToken: ct);

        // 23:30 in New York on 3 March is 04:30 UTC on the 4th: inside the UTC week. 23:30 on the 7th is the 8th in UTC,
        // and 00:30 on the 9th (already EDT) is 04:30 UTC, the same day.
        Assert.Equal("2026-03-04", response.Days[0].Date);
        Assert.Equal([1, 0, 0, 0, 1, 0, 1], response.Days.Select(d => d.Completed));
        Assert.Equal([0, 0, 0, 1, 0, 1, 0], response.Days.Select(d => d.Failed));
        Assert.Equal((3, 2), (response.Summary.Completed, response.Summary.Failed));
        // The earliest attempt (5.00, 01:00 UTC on the 4th) is inside too, and two attempts move from the 7th to the 8th.
        Assert.Equal([5.00, 0, 0.40, 0.50, 2.00, 0.10, 2.30], response.Days.Select(d => Math.Round(d.CostUsd, 4)));
        Assert.Equal([5.00, 0, 0, 0, 2.00, 0, 2.30], response.Vendors.Single(v => v.Vendor == "claude").DailyCostUsd.Select(c => Math.Round(c, 4)));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetAnalytics_NinetyDaysWithoutActivity_NinetyZeroDaysEndingTodayAndNoVendors()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AnalyticsHost.StartAsync(postgres, Now, ct);
        // Activity before the period (91 days ago in Tokyo) and a task that has not finished.
        var old = await host.Seed.AddTaskAsync("done", Now.AddDays(-91), ct);
        await host.Seed.AddRunAsync(old, "claude", Now.AddDays(-91).AddHours(-1), 3m, TimeSpan.FromHours(1), 5, "succeeded", ct);
        await host.Seed.AddTaskAsync("pending", finishedAt: null, ct);

        var response = await host.Client.GetAnalyticsAsync(new GetAnalyticsRequest { Days = 90, TimeZone = "Asia/Tokyo" }, cancellationToken: ct);

        Assert.Equal(90, response.Days.Count);
        // 16:00 UTC on 10 March is 01:00 on 11 March in Tokyo.
        Assert.Equal("2026-03-11", response.Days[^1].Date);
        var first = new DateOnly(2026, 3, 11).AddDays(-89);
        Assert.Equal(
            Enumerable.Range(0, 90).Select(i => first.AddDays(i).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            response.Days.Select(d => d.Date));
        Assert.All(response.Days, day => Assert.Equal(new DailyFigures { Date = day.Date, AverageDuration = new() }, day));
        Assert.Equal(new AnalyticsSummary { AgentTime = new() }, response.Summary);
        Assert.Empty(response.Vendors);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetAnalytics_DaysUnset_ThirtyDaysInUtc()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AnalyticsHost.StartAsync(postgres, Now, ct);

        var response = await host.Client.GetAnalyticsAsync(new GetAnalyticsRequest(), cancellationToken: ct);

        Assert.Equal(30, response.Days.Count);
        Assert.Equal(("2026-02-09", "2026-03-10"), (response.Days[0].Date, response.Days[^1].Date));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetAnalytics_OnlyFailures_SuccessRateZero()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AnalyticsHost.StartAsync(postgres, Now, ct);
        await host.Seed.AddTaskAsync("failed", Now.AddHours(-1), ct);
        await host.Seed.AddTaskAsync("blocked", Now.AddHours(-2), ct);
        await host.Seed.AddTaskAsync("cancelled", finishedAt: null, ct);

        var summary = (await host.Client.GetAnalyticsAsync(new GetAnalyticsRequest { Days = 1 }, cancellationToken: ct)).Summary;

        Assert.Equal((0, 2, 0.0), (summary.Completed, summary.Failed, summary.SuccessRate));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(-1, "")]
    [InlineData(91, "")]
    [InlineData(7, "Mars/Olympus_Mons")]
    [InlineData(7, "Eastern Standard Time")]
    [InlineData(7, "+03:00")]
    [InlineData(7, "../../etc/passwd")]
    public async Task GetAnalytics_BadArguments_InvalidArgumentNamingTheField(int days, string timeZone)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AnalyticsHost.StartAsync(postgres, Now, ct);

        var error = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await host.Client.GetAnalyticsAsync(
            new GetAnalyticsRequest { Days = days, TimeZone = timeZone }, cancellationToken: ct));

        Assert.Contains(days is < 0 or > 90 ? "days" : "time_zone", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetAnalytics_WorkerTokenOrNone_RefusedLikeEveryAdminService()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AnalyticsHost.StartAsync(postgres, Now, ct);
        var asWorker = new AnalyticsService.AnalyticsServiceClient(host.Channel.CreateCallInvoker().WithBearerToken(host.WorkerToken));
        var anonymous = new AnalyticsService.AnalyticsServiceClient(host.Channel.CreateCallInvoker());

        await RpcAssert.FailsAsync(StatusCode.PermissionDenied, async () => await asWorker.GetAnalyticsAsync(new GetAnalyticsRequest(), cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.Unauthenticated, async () => await anonymous.GetAnalyticsAsync(new GetAnalyticsRequest(), cancellationToken: ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetAnalytics_OverGrpcWeb_SameFiguresAsOverH2c()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AnalyticsHost.StartAsync(postgres, Now, ct);
        await SeedWeekAsync(host.Seed, ct);
        var request = new GetAnalyticsRequest { Days = 7, TimeZone = NewYork };
        var web = new AnalyticsService.AnalyticsServiceClient(host.WebChannel.CreateCallInvoker().WithBearerToken(host.AdminToken));

        var overWeb = await web.GetAnalyticsAsync(request, cancellationToken: ct);

        Assert.Equal(await host.Client.GetAnalyticsAsync(request, cancellationToken: ct), overWeb);
        Assert.Equal(2, overWeb.Summary.Completed);
    }

    /// <summary>
    /// Local New York times (EST until 02:00 on 8 March, EDT after). Expected per day, 4–10 March: completed 0 0 0 1 0 0 1,
    /// failed 0 0 0 1 0 1 0, cost 0 0 .40 2.50 0 .10 2.30.
    /// </summary>
    private static async Task SeedWeekAsync(AnalyticsSeed seed, CancellationToken ct)
    {
        // Done at 23:30 on the 7th after two claude attempts (90 minutes, 30 turns over both).
        var late = await seed.AddTaskAsync("done", Local(7, 23, 30), ct);
        await seed.AddRunAsync(late, "claude", Local(7, 20, 0), 1.25m, TimeSpan.FromMinutes(30), 10, "failed", ct);
        await seed.AddRunAsync(late, "claude", Local(7, 22, 0), 0.75m, TimeSpan.FromMinutes(60), 20, "succeeded", ct);

        // Failed at noon on the 7th after one gemini attempt (30 minutes, 6 turns).
        var failed = await seed.AddTaskAsync("failed", Local(7, 12, 0), ct);
        await seed.AddRunAsync(failed, "gemini", Local(7, 11, 0), 0.50m, TimeSpan.FromMinutes(30), 6, "failed", ct);

        // Blocked at 00:30 on the 9th, counted as failed.
        var blocked = await seed.AddTaskAsync("blocked", Local(9, 0, 30), ct);
        await seed.AddRunAsync(blocked, "gemini", Local(9, 0, 10), 0.10m, TimeSpan.FromMinutes(20), 2, "blocked", ct);

        // Done this morning and retired since: it still finished, so it still counts.
        var retired = await seed.AddTaskAsync("done", Local(10, 9, 0), ct, retiredAt: Local(10, 10, 0));
        await seed.AddRunAsync(retired, "claude", Local(10, 8, 0), 2.00m, TimeSpan.FromMinutes(45), 12, "succeeded", ct);

        // Running now: its attempt counts (cost, turns), but not the time it has reported so far.
        var running = await seed.AddTaskAsync("running", finishedAt: null, ct);
        await seed.AddRunAsync(running, "claude", Local(10, 11, 0), 0.30m, TimeSpan.FromMinutes(5), 3, "running", ct);

        // Cancelled on the 6th: never finished, but its attempt was made.
        var cancelled = await seed.AddTaskAsync("cancelled", finishedAt: null, ct);
        await seed.AddRunAsync(cancelled, "gemini", Local(6, 10, 0), 0.40m, TimeSpan.FromMinutes(10), 1, "cancelled", ct);

        // Before the week in New York (the 3rd), though the 4th in UTC.
        var before = await seed.AddTaskAsync("done", Local(3, 23, 30), ct);
        await seed.AddRunAsync(before, "claude", Local(3, 20, 0), 5.00m, TimeSpan.FromMinutes(15), 4, "succeeded", ct);
    }

    /// <summary>A wall-clock time in New York in March 2026.</summary>
    private static DateTimeOffset Local(int day, int hour, int minute)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(NewYork);
        var wall = new DateTime(2026, 3, day, hour, minute, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(wall, zone.GetUtcOffset(wall));
    }
}
