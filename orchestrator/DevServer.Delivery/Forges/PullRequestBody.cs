using System.Globalization;
using System.Text;
using DevServer.Delivery.Git;

namespace DevServer.Delivery.Forges;

/// <summary>One verification stage's result, as the pull request reports it.</summary>
/// <param name="Stage">Its name (build, test, lint…).</param>
/// <param name="Passed">True when it passed.</param>
/// <param name="Duration">How long it ran.</param>
/// <param name="Summary">One line about it (e.g. "212 passed, 0 failed"); may be empty.</param>
public sealed record VerificationStageResult(string Stage, bool Passed, TimeSpan Duration, string Summary);

/// <summary>What a task's run cost.</summary>
/// <param name="Attempts">Attempts used.</param>
/// <param name="Turns">Agent turns over all attempts.</param>
/// <param name="CostUsd">What the vendor charged, in US dollars.</param>
/// <param name="Duration">From first dispatch to verified result.</param>
/// <param name="Vendor">The vendor that produced the delivered work.</param>
/// <param name="Model">Its model; may be empty.</param>
/// <param name="FailoverFrom">The vendor failed over from, or null when there was no failover.</param>
public sealed record RunMetrics(int Attempts, int Turns, decimal CostUsd, TimeSpan Duration, string Vendor, string Model, string? FailoverFrom);

/// <summary>Everything a pull request body says about a task's delivery.</summary>
public sealed record PullRequestSummary(
    long TaskId,
    string TaskTitle,
    IReadOnlyList<string> CommitSubjects,
    DiffStatistics Statistics,
    IReadOnlyList<VerificationStageResult> Stages,
    RunMetrics Metrics);

/// <summary>
/// Builds a pull request's Markdown body: what changed (commit subjects and diff statistics), each verification
/// stage's result, and the run's metrics. Pure and culture-invariant: the same summary gives the same bytes, so an
/// update that changes nothing is recognised as unchanged.
/// </summary>
public static class PullRequestBody
{
    /// <summary>The hidden marker that names the task in every body DevServer writes.</summary>
    public static string Marker(long taskId) => string.Create(CultureInfo.InvariantCulture, $"<!-- devserver:task={taskId} -->");

    public static string Build(PullRequestSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var text = new StringBuilder();
        Line(text, $"Task {summary.TaskId}: {OneLine(summary.TaskTitle)}");
        Line(text, string.Empty);
        Line(text, "## What changed");
        Line(text, string.Empty);
        foreach (var subject in summary.CommitSubjects)
        {
            Line(text, $"- {OneLine(subject)}");
        }

        if (summary.CommitSubjects.Count > 0)
        {
            Line(text, string.Empty);
        }

        var statistics = summary.Statistics;
        Line(text, $"{statistics.FilesChanged} {Plural(statistics.FilesChanged, "file")} changed, {statistics.Insertions} insertions(+), {statistics.Deletions} deletions(-)");
        if (statistics.FilesChanged > 0)
        {
            Line(text, string.Empty);
            Line(text, "| File | + | - |");
            Line(text, "|---|---:|---:|");
            foreach (var file in statistics.Files)
            {
                Line(text, file.Binary
                    ? $"| {Code(file.Path)} | binary | |"
                    : $"| {Code(file.Path)} | {file.Insertions} | {file.Deletions} |");
            }
        }

        Line(text, string.Empty);
        Line(text, "## Verification");
        Line(text, string.Empty);
        if (summary.Stages.Count == 0)
        {
            Line(text, "Not verified.");
        }
        else
        {
            Line(text, "| Stage | Result | Duration | Notes |");
            Line(text, "|---|---|---:|---|");
            foreach (var stage in summary.Stages)
            {
                Line(text, $"| {Cell(stage.Stage)} | {(stage.Passed ? "passed" : "FAILED")} | {Duration(stage.Duration)} | {Cell(stage.Summary)} |");
            }
        }

        var metrics = summary.Metrics;
        Line(text, string.Empty);
        Line(text, "## Metrics");
        Line(text, string.Empty);
        Line(text, $"- Attempts: {metrics.Attempts}");
        Line(text, $"- Turns: {metrics.Turns}");
        Line(text, $"- Cost: ${metrics.CostUsd:0.00}");
        Line(text, $"- Duration: {Duration(metrics.Duration)}");
        Line(text, string.IsNullOrEmpty(metrics.Model) ? $"- Vendor: {OneLine(metrics.Vendor)}" : $"- Vendor: {OneLine(metrics.Vendor)} ({OneLine(metrics.Model)})");
        Line(text, metrics.FailoverFrom is null ? "- Failover: none" : $"- Failover: from {OneLine(metrics.FailoverFrom)}");
        Line(text, string.Empty);
        text.Append(Marker(summary.TaskId)).Append('\n');
        return text.ToString();
    }

    private static void Line(StringBuilder text, FormattableString line) => text.Append(FormattableString.Invariant(line)).Append('\n');

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');

    private static string Plural(int count, string word) => count == 1 ? word : word + "s";

    private static string OneLine(string value) =>
        string.Join(' ', (value ?? string.Empty).Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    private static string Cell(string value) => OneLine(value).Replace("|", "\\|", StringComparison.Ordinal);

    // A path in backticks; a path holding a backtick gets a longer fence.
    private static string Code(string path)
    {
        var value = Cell(path);
        return value.Contains('`', StringComparison.Ordinal) ? $"`` {value} ``" : $"`{value}`";
    }

    private static string Duration(TimeSpan duration) =>
        duration.TotalSeconds < 60
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s")
            : duration.TotalHours < 1
                ? string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes} min {duration.Seconds:00} s")
                : string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours} h {duration.Minutes:00} min");
}
