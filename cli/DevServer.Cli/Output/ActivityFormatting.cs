using System.Globalization;
using DevServer.Contracts.Work.V1;

namespace DevServer.Cli.Output;

/// <summary>One line for each typed agent step (session, text, tool call and result, usage, rate limit, report).</summary>
internal static class ActivityFormatting
{
    public static (string Kind, string Detail) Describe(AgentActivity activity, TimeZoneInfo zone) => activity.KindCase switch
    {
        AgentActivity.KindOneofCase.SessionStarted => ("session", Session(activity.SessionStarted)),
        AgentActivity.KindOneofCase.Text => (activity.Text.Reasoning ? "thinking" : "says", OneLine(activity.Text.Text)),
        AgentActivity.KindOneofCase.ToolCall => ("tool", $"{activity.ToolCall.Name} {activity.ToolCall.Summary}".TrimEnd()),
        AgentActivity.KindOneofCase.ToolResult => (activity.ToolResult.Ok ? "tool ok" : "tool err", OneLine(activity.ToolResult.Summary)),
        AgentActivity.KindOneofCase.Usage => ("usage", Usage(activity.Usage)),
        AgentActivity.KindOneofCase.RateLimit => ("limit", RateLimit(activity.RateLimit, zone)),
        AgentActivity.KindOneofCase.VendorRetry => ("api retry", VendorRetry(activity.VendorRetry)),
        AgentActivity.KindOneofCase.Notice => (activity.Notice.Error ? "error" : "warning", OneLine(activity.Notice.Message)),
        AgentActivity.KindOneofCase.Report => ("report", Report(activity.Report)),
        AgentActivity.KindOneofCase.Unknown => ("vendor", activity.Unknown.Type),
        _ => ("step", "(unknown to this version of devserver)"),
    };

    public static string Usage(TokenUsage usage)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{usage.InputTokens} in, {usage.OutputTokens} out");
        return usage.CacheReadTokens + usage.CacheWriteTokens > 0
            ? text + string.Create(CultureInfo.InvariantCulture, $", cache {usage.CacheReadTokens} read / {usage.CacheWriteTokens} written")
            : text;
    }

    public static string ErrorKind(AgentErrorKind kind) => kind switch
    {
        AgentErrorKind.Unspecified => "",
        AgentErrorKind.RateLimited => "rate limited",
        AgentErrorKind.MaxTurns => "turn limit reached",
        AgentErrorKind.ContextTooLong => "context too long",
        AgentErrorKind.SessionNotFound => "session not found",
        AgentErrorKind.ModelUnavailable => "model unavailable",
        AgentErrorKind.InvalidRequest => "invalid request",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Session(SessionStarted session)
    {
        var text = $"{(session.Resumed ? "resumed" : "started")} {session.SessionId}";
        return session.Model.Length > 0 ? $"{text} ({session.Model})" : text;
    }

    private static string RateLimit(RateLimitStatus status, TimeZoneInfo zone)
    {
        var state = status.State switch
        {
            RateLimitState.Allowed => "allowed",
            RateLimitState.Warning => "close to the limit",
            RateLimitState.Rejected => "refused",
            _ => "?",
        };
        var text = status.Limit.Length > 0 ? $"{state} ({status.Limit})" : state;
        if (status.ResetsAt is not null)
        {
            text += " until " + Words.DateTime(status.ResetsAt, zone);
        }

        return status.Message.Length > 0 ? $"{text}: {OneLine(status.Message)}" : text;
    }

    private static string VendorRetry(VendorRetry retry)
    {
        var text = retry.MaxAttempts > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{retry.Attempt}/{retry.MaxAttempts}")
            : retry.Attempt.ToString(CultureInfo.InvariantCulture);
        if (retry.Delay is not null)
        {
            text += " in " + Words.Duration(retry.Delay);
        }

        return retry.Reason.Length > 0 ? $"{text}: {retry.Reason}" : text;
    }

    private static string Report(AgentReport report)
    {
        var facts = new List<string> { report.Success ? "success" : Words.OrDash(ErrorKind(report.ErrorKind)) };
        facts.Add(report.Turns.ToString(CultureInfo.InvariantCulture) + (report.Turns == 1 ? " turn" : " turns"));
        facts.Add(string.Create(CultureInfo.InvariantCulture, $"${report.CostUsd:0.0000}"));
        if (report.Usage is not null)
        {
            facts.Add(Usage(report.Usage));
        }

        var text = string.Join(", ", facts);
        return !report.Success && report.Message.Length > 0 ? $"{text}: {OneLine(report.Message)}" : text;
    }

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 200 ? line[..199] + "…" : line;
    }
}
