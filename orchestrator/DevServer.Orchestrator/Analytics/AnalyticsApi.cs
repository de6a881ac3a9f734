using DevServer.Contracts.Analytics.V1;
using DevServer.Orchestrator.Tasks;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Analytics;

/// <summary>
/// The dashboard's figures over the last N local days: validates the period, lets PostgreSQL bucket tasks and attempts
/// into days (<see cref="AnalyticsQuery"/>), then adds the days up into the summary and the vendors' totals.
/// </summary>
internal sealed class AnalyticsApi(NpgsqlDataSource dataSource, TimeProvider clock) : AnalyticsService.AnalyticsServiceBase
{
    public const int DefaultDays = 30;
    public const int MaxDays = 90;

    public override async Task<GetAnalyticsResponse> GetAnalytics(GetAnalyticsRequest request, ServerCallContext context)
    {
        var days = request.Days switch
        {
            0 => DefaultDays,
            < 1 or > MaxDays => throw TaskValidation.Invalid($"days must be between 1 and {MaxDays} (0 means {DefaultDays})."),
            _ => request.Days,
        };
        var timeZone = KnownTimeZone(request.TimeZone);
        var figures = await AnalyticsQuery.RunAsync(dataSource, days, timeZone, clock.GetUtcNow(), context.CancellationToken);

        var response = new GetAnalyticsResponse();
        var summary = new AnalyticsSummary();
        var totalCost = 0m;
        var agentTime = TimeSpan.Zero;
        foreach (var day in figures.Days)
        {
            response.Days.Add(new DailyFigures
            {
                Date = day.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                Completed = day.Completed,
                Failed = day.Failed,
                AverageDuration = Duration.FromTimeSpan(day.AverageDuration),
                AverageTurns = day.AverageTurns,
                CostUsd = (double)day.Cost,
            });
            summary.Completed += day.Completed;
            summary.Failed += day.Failed;
            summary.Attempts += day.Attempts;
            summary.TotalTurns += day.Turns;
            totalCost += day.Cost;
            agentTime += day.AgentTime;
        }

        var finished = summary.Completed + summary.Failed;
        summary.SuccessRate = finished == 0 ? 0 : (double)summary.Completed / finished;
        summary.TotalCostUsd = (double)totalCost;
        summary.AgentTime = Duration.FromTimeSpan(agentTime);
        response.Summary = summary;
        response.Vendors.AddRange(Vendors(figures));
        return response;
    }

    /// <summary>Each vendor's cost per day on the response's days (zero where it ran nothing), most expensive first.</summary>
    private static IEnumerable<VendorCost> Vendors(AnalyticsFigures figures)
    {
        var dayIndex = figures.Days.Select((day, index) => (day.Date, index)).ToDictionary(d => d.Date, d => d.index);
        var vendors = new Dictionary<string, (decimal Cost, int Attempts, decimal[] Daily)>(StringComparer.Ordinal);
        foreach (var row in figures.VendorDays)
        {
            if (!vendors.TryGetValue(row.Vendor, out var vendor))
            {
                vendor = (0m, 0, new decimal[figures.Days.Count]);
            }

            vendor.Daily[dayIndex[row.Date]] += row.Cost;
            vendors[row.Vendor] = (vendor.Cost + row.Cost, vendor.Attempts + row.Attempts, vendor.Daily);
        }

        return vendors
            .OrderByDescending(v => v.Value.Cost).ThenBy(v => v.Key, StringComparer.Ordinal)
            .Select(v =>
            {
                var cost = new VendorCost { Vendor = v.Key, CostUsd = (double)v.Value.Cost, Attempts = v.Value.Attempts };
                cost.DailyCostUsd.AddRange(v.Value.Daily.Select(d => (double)d));
                return cost;
            });
    }

    /// <summary>
    /// An IANA zone both .NET and PostgreSQL know (both read the system's tz database); empty means UTC. Windows names,
    /// which .NET would also accept, and PostgreSQL's POSIX-style strings are refused.
    /// </summary>
    private static string KnownTimeZone(string requested)
    {
        if (requested.Length == 0)
        {
            return "UTC";
        }

        if (requested.Length > 100 || !TimeZoneInfo.TryFindSystemTimeZoneById(requested, out var zone) || !zone.HasIanaId)
        {
            throw TaskValidation.Invalid($"time_zone '{Truncated(requested)}' is not an IANA time zone (for example Europe/Berlin).");
        }

        return requested;
    }

    private static string Truncated(string text) => text.Length <= 100 ? text : text[..100] + "…";
}
