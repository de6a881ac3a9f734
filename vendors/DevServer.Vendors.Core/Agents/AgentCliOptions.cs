using System.ComponentModel.DataAnnotations;

namespace DevServer.Vendors.Core.Agents;

/// <summary>How the kit runs an agent CLI, whatever the vendor (section <c>Agent</c>).</summary>
public sealed class AgentCliOptions
{
    public const string Section = "Agent";

    /// <summary>The attempt's time limit when the assignment gives none.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a stopped CLI may take to exit after SIGINT (on which agent CLIs save their session) before its whole
    /// process tree is killed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest output line read whole, in bytes: Claude Code's stream-json lines can exceed a megabyte.</summary>
    [Range(64 * 1024, 256 * 1024 * 1024)]
    public int MaxLineLength { get; set; } = 32 * 1024 * 1024;

    /// <summary>Characters of the repository's guidance files (AGENTS.md, CLAUDE.md, ...) in a first prompt; 0 leaves them out.</summary>
    [Range(0, 200_000)]
    public int GuidanceBudget { get; set; } = 8_000;

    /// <summary>Characters of the repository map in a first prompt; 0 leaves it out.</summary>
    [Range(0, 200_000)]
    public int MapBudget { get; set; } = 4_000;

    /// <summary>Whether the CLI runs as root; null detects it (Claude Code refuses bypass mode as root without IS_SANDBOX=1).</summary>
    public bool? RunsAsRoot { get; set; }
}
