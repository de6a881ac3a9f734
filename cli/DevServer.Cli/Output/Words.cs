using System.Globalization;
using System.Text;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using Google.Protobuf.WellKnownTypes;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Output;

/// <summary>How enum values, times and durations read in human output.</summary>
internal static class Words
{
    public static string Status(TaskStatus status) => status == TaskStatus.Unspecified ? "?" : LowerWords(status.ToString());

    public static string Outcome(RunOutcome outcome) => outcome == RunOutcome.Unspecified ? "?" : LowerWords(outcome.ToString());

    public static string Stage(StageKind stage) => stage == StageKind.Unspecified ? "stage" : LowerWords(stage.ToString());

    /// <summary>The statuses as the CLI accepts them in <c>--status</c>.</summary>
    public static IReadOnlyList<string> StatusNames { get; } =
        [.. System.Enum.GetValues<TaskStatus>().Where(s => s != TaskStatus.Unspecified).Select(Status)];

    public static TaskStatus ParseStatus(string name) =>
        System.Enum.GetValues<TaskStatus>().FirstOrDefault(s => s != TaskStatus.Unspecified && string.Equals(Status(s), name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary><c>10:15:02</c>: the time of day of an event in the local zone.</summary>
    public static string TimeOfDay(Timestamp? time, TimeZoneInfo zone) =>
        time is null ? "--:--:--" : Local(time, zone).ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary><c>2026-11-21 10:15</c>: a date and time in the local zone.</summary>
    public static string DateTime(Timestamp? time, TimeZoneInfo zone) =>
        time is null ? "-" : Local(time, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary><c>1h 5m</c>, <c>10m</c>, <c>42s</c>, <c>1.5s</c>, <c>120ms</c>.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        if (span < TimeSpan.FromSeconds(1))
        {
            return ((int)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        if (span < TimeSpan.FromSeconds(10))
        {
            return span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
        }

        var parts = new List<string>(3);
        var hours = (int)span.TotalHours;
        if (hours > 0)
        {
            parts.Add(hours.ToString(CultureInfo.InvariantCulture) + "h");
        }

        if (span.Minutes > 0)
        {
            parts.Add(span.Minutes.ToString(CultureInfo.InvariantCulture) + "m");
        }

        if (span.Seconds > 0 && hours == 0)
        {
            parts.Add(span.Seconds.ToString(CultureInfo.InvariantCulture) + "s");
        }

        return string.Join(' ', parts);
    }

    public static string Duration(Google.Protobuf.WellKnownTypes.Duration? duration) =>
        duration is null ? "-" : Duration(duration.ToTimeSpan());

    /// <summary><c>00:42</c> or <c>1:02:03</c>: a running clock.</summary>
    public static string Clock(TimeSpan span) =>
        span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{span.Minutes:00}:{span.Seconds:00}");

    /// <summary>The first 10 characters of a commit id.</summary>
    public static string ShortCommit(string commit) => commit.Length > 10 ? commit[..10] : commit;

    public static string OrDash(string value) => string.IsNullOrEmpty(value) ? "-" : value;

    private static DateTimeOffset Local(Timestamp time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time.ToDateTimeOffset(), zone);

    // TimedOut → "timed out": the generated C# names are the proto names in PascalCase.
    private static string LowerWords(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 4);
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
