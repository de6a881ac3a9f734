namespace DevServer.Orchestrator.Logs;

/// <summary>The cluster's log in the database (section <c>Orchestrator:Logs</c>): what is kept, how it is written, how long it stays.</summary>
internal sealed class LogsOptions
{
    public const string Section = "Orchestrator:Logs";

    /// <summary>This orchestrator's entries at this level and above go to the log (the <c>Logging</c> filters apply first).</summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Information;

    /// <summary>
    /// Entries waiting to be written, which is also what a database outage can hold; past this a logging call drops its
    /// entry (and the drop is reported) instead of waiting.
    /// </summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>How long the writer gathers entries before one insert.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>At most this many entries per insert.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Entries older than this are deleted.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Only this many of the newest entries are kept.</summary>
    public int MaxEntries { get; set; } = 200_000;

    /// <summary>How often the retention job deletes what is too old or too many.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    public static bool IsValid(LogsOptions options) =>
        options.MinimumLevel is >= LogLevel.Trace and <= LogLevel.None
        && options.BufferCapacity is >= 10 and <= 1_000_000
        && options.FlushInterval > TimeSpan.Zero && options.FlushInterval <= TimeSpan.FromSeconds(10)
        && options.BatchSize is >= 1 and <= 5000
        && options.MaxAge > TimeSpan.Zero
        && options.MaxEntries >= 1
        && options.RetentionInterval > TimeSpan.Zero;

    public const string Requirement =
        $"{Section}: MinimumLevel must be a log level, BufferCapacity 10–1,000,000, FlushInterval positive and at most 10 s, " +
        "BatchSize 1–5000, MaxAge, MaxEntries and RetentionInterval positive.";
}
