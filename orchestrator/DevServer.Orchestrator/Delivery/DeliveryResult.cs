using DevServer.Delivery.Forges;
using DevServer.Delivery.Preflight;

namespace DevServer.Orchestrator.Delivery;

internal enum DeliveryResultKind
{
    /// <summary>Done: the work is where the flow puts it.</summary>
    Delivered,

    /// <summary>Worth trying again later (a forge outage, the network, a lost race).</summary>
    Transient,

    /// <summary>A person must act (a finding, a conflict, a token, a missing forge).</summary>
    Blocked,
}

/// <summary>How one delivery ended, before it is recorded. Reasons never hold a credential (the library scrubs them).</summary>
internal sealed record DeliveryResult(DeliveryResultKind Kind, string Reason)
{
    public string Flow { get; init; } = "";

    public string Branch { get; init; } = "";

    public string Commit { get; init; } = "";

    public PullRequestInfo? PullRequest { get; init; }

    public IReadOnlyList<PreflightFinding> Findings { get; init; } = [];

    /// <summary>For a transient result: when the forge said to come back (a rate limit), if it said so.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True when the work itself must change (a retry runs the agent again).</summary>
    public bool ByPreflight { get; init; }

    public static DeliveryResult Success(string flow, string branch, string commit, PullRequestInfo? pullRequest, string reason) =>
        new(DeliveryResultKind.Delivered, reason) { Flow = flow, Branch = branch, Commit = commit, PullRequest = pullRequest };

    public static DeliveryResult Transient(string reason) => new(DeliveryResultKind.Transient, reason);

    public static DeliveryResult Blocked(string reason, bool byPreflight) => new(DeliveryResultKind.Blocked, reason) { ByPreflight = byPreflight };

    public static DeliveryResult Preflight(IReadOnlyList<PreflightFinding> findings) =>
        new(DeliveryResultKind.Blocked, $"the preflight gate blocked delivery: {findings.Count} finding(s) ({string.Join(", ", findings.Select(f => f.RuleId).Distinct())})")
        {
            Findings = findings,
            ByPreflight = true,
        };
}
