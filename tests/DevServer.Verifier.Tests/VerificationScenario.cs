using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Verifier.Sandbox;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Tests.Git;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;

namespace DevServer.Verifier.Tests;

/// <summary>
/// An origin repository, an agent's patch series on it (adds feature.txt, changes README.md) made in a producer
/// workspace, and a verification handler with its own workspace, whose stages run in a sandbox when one is given.
/// </summary>
internal sealed class VerificationScenario : IDisposable
{
    private readonly SourceRepository _source;

    private VerificationScenario(SourceRepository source, string baseCommit, ByteString patchSeries, SandboxOptions? sandbox)
    {
        _source = source;
        BaseCommit = baseCommit;
        PatchSeries = patchSeries;
        // A sandboxed workspace lives outside /tmp: the sandbox's fresh /tmp would hide it anyway, and the tests must see
        // that the workspace itself is hidden.
        VerifierRoot = sandbox is null
            ? TempFolder.Create("verifier")
            : Directory.CreateDirectory(Path.Combine("/var/tmp", $"devserver-verifier-{Guid.NewGuid():N}")).FullName;
        var stages = sandbox is null ? StageSandbox.None : StageSandbox.Create(sandbox, VerifierRoot, []);
        Handler = new VerificationHandler(new Workspace(VerifierRoot), stages, TimeProvider.System, NullLogger<VerificationHandler>.Instance);
    }

    public string VerifierRoot { get; }

    public SourceRepository Source => _source;

    public string BaseCommit { get; }

    public ByteString PatchSeries { get; }

    public VerificationHandler Handler { get; }

    public RecordingReporter Reporter { get; } = new();

    /// <summary>
    /// A shell prefix that ends a stage successfully on the base commit (where the agent's feature.txt does not exist), so
    /// what follows fails only on the work: a regression, not a failure the base commit shares.
    /// </summary>
    public const string OnlyOnTheWork = "[ -f feature.txt ] || exit 0;";

    /// <param name="cancellationToken">Stops git.</param>
    /// <param name="agentFiles">More files the agent's work adds (relative path → content).</param>
    /// <param name="sandbox">The stages' sandbox; none when null.</param>
    public static async Task<VerificationScenario> CreateAsync(
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? agentFiles = null, SandboxOptions? sandbox = null)
    {
        var source = await SourceRepository.CreateAsync(cancellationToken);
        var producerRoot = TempFolder.Create("producer");
        try
        {
            var producer = new Workspace(producerRoot);
            var worktree = await producer.PrepareWorktreeAsync(source.Source, "main", "", "1-1", "devserver/task-1", null, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(worktree.Path, "feature.txt"), "made by the agent\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(worktree.Path, "README.md"), "line one\nline two, said the agent\n", cancellationToken);
            foreach (var (path, content) in agentFiles ?? new Dictionary<string, string>())
            {
                await File.WriteAllTextAsync(Path.Combine(worktree.Path, path), content, cancellationToken);
            }

            await producer.CommitAllAsync(worktree.Path, "The agent's work", cancellationToken);
            var series = await producer.FormatPatchAsync(worktree.Path, worktree.BaseCommit, cancellationToken);
            return new VerificationScenario(source, worktree.BaseCommit, ByteString.CopyFrom(series.Mbox), sandbox);
        }
        finally
        {
            TempFolder.Delete(producerRoot);
        }
    }

    public static VerificationStage Stage(StageKind kind, string command, TimeSpan? timeout = null) => new()
    {
        Kind = kind,
        Command = command,
        Timeout = Duration.FromTimeSpan(timeout ?? TimeSpan.FromMinutes(1)),
    };

    public Assignment Assignment(params VerificationStage[] stages) => Assignment(BaseCommit, stages);

    public Assignment Assignment(string baseCommit, params VerificationStage[] stages) => Assignment(baseCommit, [], stages);

    /// <summary>A verification that leaves <paramref name="detect"/> to detection besides running <paramref name="stages"/>.</summary>
    public Assignment Assignment(string baseCommit, StageKind[] detect, params VerificationStage[] stages)
    {
        var work = new VerifyWork { Repository = _source.Source, BaseCommit = baseCommit, PatchSeries = PatchSeries };
        work.Stages.AddRange(stages);
        work.DetectStages.AddRange(detect);
        work.DetectedStageTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(1));
        return new Assignment { AssignmentId = Guid.NewGuid().ToString(), TaskId = 7, Attempt = 2, Verify = work };
    }

    /// <summary>Where the handler checks the repository out for <see cref="Assignment(VerificationStage[])"/>.</summary>
    public string CheckoutPath => Path.Combine(VerifierRoot, "worktrees", "verify-7-2");

    public async Task<VerifyResult> RunAsync(Assignment assignment, CancellationToken cancellationToken)
    {
        var result = await Handler.RunAsync(assignment, Reporter, cancellationToken);
        Assert.Equal(WorkResult.ResultOneofCase.Verify, result.ResultCase);
        return result.Verify;
    }

    public void Dispose()
    {
        _source.Dispose();
        TempFolder.Delete(VerifierRoot);
    }
}
