using System.CommandLine;
using System.Globalization;
using System.Text;
using DevServer.Cli.Output;
using DevServer.Contracts.Analytics.V1;

namespace DevServer.Cli.Commands;

/// <summary><c>devserver analytics [--days n] [--time-zone zone]</c>: the dashboard's figures in a terminal.</summary>
internal static class AnalyticsCommands
{
    public static Command Build(CliApp app)
    {
        var days = Options.Range("--days", 1, 90, "Days back, today included (1–90) [default: 30]");
        var zone = Options.Text("--time-zone", "The IANA time zone whose days are counted [default: this machine's]", "zone");
        var command = new Command("analytics", "Finished tasks, success rate, agent time and cost per day and per vendor.") { days, zone };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var request = new GetAnalyticsRequest
            {
                Days = context.Get(days) ?? 0,
                TimeZone = context.Get(zone) ?? IanaId(context.Output.TimeZone),
            };
            var response = await context.Connection.Analytics.GetAnalyticsAsync(request, cancellationToken: cancellationToken);
            context.Output.Write(response, () => Format(response, request.TimeZone));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The summary, a table of the days and one of the vendors.</summary>
    internal static string Format(GetAnalyticsResponse response, string timeZone)
    {
        var text = new StringBuilder();
        var summary = response.Summary ?? new AnalyticsSummary();
        var period = response.Days.Count switch
        {
            0 => "No days",
            1 => $"Today, {response.Days[0].Date}",
            _ => string.Create(CultureInfo.InvariantCulture, $"Last {response.Days.Count} days, {response.Days[0].Date} to {response.Days[^1].Date}"),
        };
        text.Append(CultureInfo.InvariantCulture, $"{period} ({(timeZone.Length == 0 ? "UTC" : timeZone)})\n");
        var finished = summary.Completed + summary.Failed;
        var fields = new (string Name, string Value)[]
        {
            ("completed", Count(summary.Completed)),
            ("failed", Count(summary.Failed)),
            // Not "P0": the invariant culture writes "50 %".
            ("success rate", finished == 0 ? "-" : (summary.SuccessRate * 100).ToString("0", CultureInfo.InvariantCulture) + "%"),
            ("cost", Dollars(summary.TotalCostUsd)),
            ("agent time", summary.AgentTime is null || summary.AgentTime.ToTimeSpan() == TimeSpan.Zero ? "-" : Words.Duration(summary.AgentTime)),
            ("turns", summary.TotalTurns.ToString(CultureInfo.InvariantCulture)),
            ("attempts", Count(summary.Attempts)),
        };
        foreach (var (name, value) in fields)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {name,-13} {value}\n");
        }

        var table = new Table("DATE", "DONE", "FAILED", "AVG TIME", "AVG TURNS", "COST");
        foreach (var day in response.Days)
        {
            var any = day.Completed + day.Failed > 0;
            table.Add(
                day.Date,
                Count(day.Completed),
                Count(day.Failed),
                any ? Words.Duration(day.AverageDuration) : "-",
                any ? day.AverageTurns.ToString("0.#", CultureInfo.InvariantCulture) : "-",
                Dollars(day.CostUsd));
        }

        text.Append('\n').Append(table);
        if (response.Vendors.Count == 0)
        {
            text.Append("\nNo attempts in this period.\n");
            return text.ToString();
        }

        var vendors = new Table("VENDOR", "COST", "ATTEMPTS");
        foreach (var vendor in response.Vendors)
        {
            vendors.Add(vendor.Vendor, Dollars(vendor.CostUsd), Count(vendor.Attempts));
        }

        text.Append('\n').Append(vendors);
        return text.ToString();
    }

    /// <summary>The zone's IANA name (Windows names converted); empty (UTC) when it has none.</summary>
    internal static string IanaId(TimeZoneInfo zone)
    {
        if (zone.HasIanaId)
        {
            return zone.Id;
        }

        return TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : "";
    }

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Dollars(double value) => "$" + value.ToString("0.00", CultureInfo.InvariantCulture);
}
