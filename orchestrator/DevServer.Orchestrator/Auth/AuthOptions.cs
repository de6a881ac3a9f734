using System.ComponentModel.DataAnnotations;

namespace DevServer.Orchestrator.Auth;

/// <summary>Bearer-token authentication (section <c>Orchestrator:Auth</c>).</summary>
internal sealed class AuthOptions
{
    public const string Section = "Orchestrator:Auth";

    /// <summary>
    /// How long a token lookup (found or not) is reused before the database is asked again: the longest a revoked
    /// token keeps working on an instance. Zero asks the database on every call.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan TokenCacheDuration { get; set; } = TimeSpan.FromSeconds(5);
}
