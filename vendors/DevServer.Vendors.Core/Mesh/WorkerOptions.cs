using DevServer.Contracts;
using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Git;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// How a worker reaches the orchestrator and what it offers (section <c>Worker</c>). Unset values get their
/// defaults after binding (see <see cref="WorkerDefaults"/>), then the whole is validated at start-up.
/// </summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>The orchestrator's h2c (or https) endpoint: the mesh and the API share it.</summary>
    public Uri OrchestratorAddress { get; set; } = new($"http://127.0.0.1:{LocalInstallation.DefaultGrpcPort}");

    /// <summary>The worker token itself; when empty, <see cref="TokenFile"/> is read before every connection attempt.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// Where the orchestrator of a local installation writes the worker token; default
    /// <c>&lt;data directory&gt;/worker.token</c>. Read again on each attempt, since it may appear after the worker starts.
    /// </summary>
    public string? TokenFile { get; set; }

    /// <summary>Shown in the worker list (1–128 characters); default <c>&lt;host&gt;-&lt;vendor&gt;</c> or <c>&lt;host&gt;-verifier</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Vendor sidecar or verifier; usually fixed by the executable.</summary>
    public WorkerKind Kind { get; set; }

    /// <summary>For vendor sidecars: the vendor id (lowercase letters, digits and '-'); usually fixed by the executable.</summary>
    public string? Vendor { get; set; }

    /// <summary>The models this sidecar can run; empty means "the vendor's default only".</summary>
    public IList<string> Models { get; } = [];

    /// <summary>
    /// For vendor sidecars: the vendor account the runs count against (the login or key used), at most 128 characters;
    /// empty means the vendor id. A usage limit with a reset time pauses every worker of the vendor and account.
    /// </summary>
    public string? Account { get; set; }

    /// <summary>For vendor sidecars: whether a later attempt can resume a run's session; set by agent-CLI sidecars.</summary>
    public bool ResumesSessions { get; set; }

    /// <summary>For vendor sidecars: whether results carry a cost; set by agent-CLI sidecars.</summary>
    public bool ReportsCost { get; set; }

    /// <summary>How many assignments run at once, 1–64.</summary>
    public int Capacity { get; set; } = 1;

    /// <summary>Clone cache and worktrees of this worker; default <c>&lt;data directory&gt;/workspaces/&lt;Name&gt;</c>.</summary>
    public string? WorkspaceRoot { get; set; }

    /// <summary>The periodic cleanup of <see cref="WorkspaceRoot"/> (section <c>Worker:Cleanup</c>).</summary>
    public WorkspaceCleanupOptions Cleanup { get; } = new();

    /// <summary>The pause between connection attempts: doubles from <c>Min</c> up to <c>Max</c>, reset once welcomed.</summary>
    public ReconnectDelayOptions ReconnectDelay { get; } = new();

    /// <summary>How long the worker waits for the orchestrator's Welcome after its Hello before trying again.</summary>
    public TimeSpan WelcomeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On shutdown: how long the worker waits for its cancelled handlers to return and for the orchestrator to
    /// store their results before it closes the stream anyway.
    /// </summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The back-off between connection attempts.</summary>
public sealed class ReconnectDelayOptions
{
    /// <summary>The first pause, after a connection fails or ends.</summary>
    public TimeSpan Min { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest pause, reached by doubling.</summary>
    public TimeSpan Max { get; set; } = TimeSpan.FromSeconds(5);
}
