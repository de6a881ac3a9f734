using System.Globalization;
using DevServer.Contracts.Work.V1;

namespace DevServer.Vendors.Core.Agents;

/// <summary>The sentence <c>AgentResult.error</c> carries for a failed run: what happened and, where it helps, what to fix.</summary>
internal static class AgentFailures
{
    // AgentResult.error is meant to be short.
    private const int MaxErrorBytes = 3000;
    private const int MaxQuotedBytes = 1000;

    public static string Describe(string vendor, AgentErrorKind kind, AgentReport report, int? exitCode, AgentRunRequest run, string? authenticationFix)
    {
        var said = string.IsNullOrWhiteSpace(report.Message) ? string.Empty : $" The CLI said: {Utf8Text.Head(report.Message.Trim(), MaxQuotedBytes)}";
        var sentence = kind switch
        {
            AgentErrorKind.RateLimited => report.ResetsAt is { } resets
                ? $"The {vendor} account is rate-limited until {resets.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture)}.{said}"
                : $"The {vendor} account is rate-limited.{said}",
            AgentErrorKind.Authentication =>
                $"{vendor} rejected the sidecar's credentials: {authenticationFix ?? $"check the {vendor} key or login the sidecar uses"}.{said}",
            AgentErrorKind.Billing => $"The {vendor} account has no credit or plan for this run.{said}",
            AgentErrorKind.Overloaded => $"{vendor} is overloaded or failing (its retries ran out).{said}",
            AgentErrorKind.MaxTurns => run.MaxTurns > 0
                ? $"The agent used all {run.MaxTurns} turns without finishing; a resumed session can continue.{said}"
                : $"The agent ran out of turns without finishing; a resumed session can continue.{said}",
            AgentErrorKind.ContextTooLong => $"The conversation no longer fits the model's context window.{said}",
            AgentErrorKind.SessionNotFound => $"The session '{run.ResumeSessionId}' to resume does not exist on this sidecar.{said}",
            AgentErrorKind.ModelUnavailable => $"The model '{run.Model ?? "(default)"}' is unknown or not available to the {vendor} account.{said}",
            AgentErrorKind.InvalidRequest => $"The {vendor} CLI refused its command line or configuration.{said}",
            AgentErrorKind.Crashed => exitCode is { } code
                ? $"The {vendor} CLI exited with code {code} without a final report.{said}"
                : $"The {vendor} CLI was killed before its final report.{said}",
            _ => $"The {vendor} CLI reported an error{(exitCode is { } code2 ? $" (exit code {code2})" : string.Empty)}.{said}",
        };
        return Utf8Text.Head(sentence, MaxErrorBytes);
    }
}
