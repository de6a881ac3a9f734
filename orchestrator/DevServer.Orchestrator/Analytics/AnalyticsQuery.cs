using DevServer.Orchestrator.Tasks;
using Npgsql;

namespace DevServer.Orchestrator.Analytics;

/// <summary>One local day of the period, as PostgreSQL bucketed it.</summary>
/// <param name="Date">The day in the request's time zone.</param>
/// <param name="Completed">Tasks that finished done that day.</param>
/// <param name="Failed">Tasks that finished failed or blocked that day.</param>
/// <param name="AverageDuration">Of the tasks that finished that day, the average of their attempts' summed agent time.</param>
/// <param name="AverageTurns">Of the tasks that finished that day, the average of their attempts' summed turns.</param>
/// <param name="Cost">The cost of the attempts started that day.</param>
/// <param name="Attempts">Attempts started that day.</param>
/// <param name="AgentTime">The agent time of the attempts started that day (running ones have none yet).</param>
/// <param name="Turns">The turns of the attempts started that day.</param>
internal sealed record AnalyticsDay(
    DateOnly Date, int Completed, int Failed, TimeSpan AverageDuration, double AverageTurns, decimal Cost, int Attempts, TimeSpan AgentTime, long Turns);

/// <summary>What one vendor's attempts started on one day cost.</summary>
internal sealed record AnalyticsVendorDay(string Vendor, DateOnly Date, decimal Cost, int Attempts);

/// <summary>Every day of the period, oldest first, and the vendors' costs per day (only days a vendor ran on).</summary>
internal sealed record AnalyticsFigures(IReadOnlyList<AnalyticsDay> Days, IReadOnlyList<AnalyticsVendorDay> VendorDays);

/// <summary>
/// The bucketing, in SQL: local days come from <c>generate_series</c> over the request's zone, tasks fall on the local
/// day of <c>tasks.finished_at</c> and attempts on that of <c>runs.started_at</c>. Two statements in one round trip,
/// whatever the number of tasks; both use the indexes on those two columns through the period's instant bounds.
/// </summary>
internal static class AnalyticsQuery
{
    // The period in local days and as instants, and the attempts started in it; shared by both statements.
    private const string Period =
        """
        WITH bounds AS (
            SELECT today - (@days - 1) AS first_day,
                   ((today - (@days - 1))::timestamp AT TIME ZONE @zone) AS period_start,
                   ((today + 1)::timestamp AT TIME ZONE @zone) AS period_end
            FROM (SELECT (@now AT TIME ZONE @zone)::date AS today) AS local_now
        ),
        attempts AS (
            SELECT (r.started_at AT TIME ZONE @zone)::date AS day, r.vendor, r.cost_usd, r.turns,
                   -- A running attempt's time is not known yet.
                   CASE WHEN r.outcome <> 'running' THEN r.duration END AS duration
            FROM bounds b
            JOIN runs r ON r.started_at >= b.period_start AND r.started_at < b.period_end
        )
        """;

    private const string DaysSql = Period +
        """
        ,
        finished AS (
            SELECT (t.finished_at AT TIME ZONE @zone)::date AS day, t.status = 'done' AS done,
                   coalesce(sum(r.duration) FILTER (WHERE r.outcome <> 'running'), interval '0') AS agent_time,
                   coalesce(sum(r.turns), 0) AS turns
            FROM bounds b
            JOIN tasks t ON t.finished_at >= b.period_start AND t.finished_at < b.period_end
            LEFT JOIN runs r ON r.task_id = t.id
            WHERE t.status IN ('done', 'failed', 'blocked')
            GROUP BY t.id
        )
        SELECT d.day,
               coalesce(f.completed, 0), coalesce(f.failed, 0), coalesce(f.average_time, interval '0'), coalesce(f.average_turns, 0),
               coalesce(a.cost, 0), coalesce(a.attempts, 0), coalesce(a.agent_time, interval '0'), coalesce(a.turns, 0)
        FROM (SELECT b.first_day + n AS day FROM bounds b, generate_series(0, @days - 1) AS n) AS d
        LEFT JOIN (
            SELECT day, count(*) FILTER (WHERE done)::int AS completed, count(*) FILTER (WHERE NOT done)::int AS failed,
                   avg(agent_time) AS average_time, avg(turns)::float8 AS average_turns
            FROM finished GROUP BY day
        ) AS f ON f.day = d.day
        LEFT JOIN (
            SELECT day, sum(cost_usd) AS cost, count(*)::int AS attempts, sum(duration) AS agent_time, sum(turns)::bigint AS turns
            FROM attempts GROUP BY day
        ) AS a ON a.day = d.day
        ORDER BY d.day
        """;

    private const string VendorDaysSql = Period + "\n" +
        """
        SELECT vendor, day, sum(cost_usd), count(*)::int FROM attempts GROUP BY vendor, day
        """;

    /// <summary>PostgreSQL's code for a time zone it does not know (invalid_parameter_value).</summary>
    private const string UnknownTimeZone = "22023";

    /// <summary>Runs both statements in one batch; <paramref name="timeZone"/> is an IANA zone name, already checked.</summary>
    public static async Task<AnalyticsFigures> RunAsync(
        NpgsqlDataSource dataSource, int days, string timeZone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var sql in new[] { DaysSql, VendorDaysSql })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("days", days);
            command.Parameters.AddWithValue("zone", timeZone);
            command.Parameters.AddWithValue("now", now.ToUniversalTime());
            batch.BatchCommands.Add(command);
        }

        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            var dayRows = new List<AnalyticsDay>(days);
            while (await reader.ReadAsync(cancellationToken))
            {
                dayRows.Add(new AnalyticsDay(
                    reader.GetFieldValue<DateOnly>(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetFieldValue<TimeSpan>(3),
                    reader.GetDouble(4), reader.GetDecimal(5), reader.GetInt32(6), reader.GetFieldValue<TimeSpan>(7), reader.GetInt64(8)));
            }

            await reader.NextResultAsync(cancellationToken);
            var vendorRows = new List<AnalyticsVendorDay>();
            while (await reader.ReadAsync(cancellationToken))
            {
                vendorRows.Add(new AnalyticsVendorDay(reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetDecimal(2), reader.GetInt32(3)));
            }

            return new AnalyticsFigures(dayRows, vendorRows);
        }
        catch (PostgresException exception) when (exception.SqlState == UnknownTimeZone)
        {
            // .NET knew the zone but this server's tz database does not.
            throw TaskValidation.Invalid($"time_zone '{timeZone}' is not known to the database.");
        }
    }
}
