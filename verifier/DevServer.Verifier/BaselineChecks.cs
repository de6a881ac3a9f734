using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Failures;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Mesh;

namespace DevServer.Verifier;

/// <summary>
/// Tells a regression from a failure that was already there: when a stage fails on the agent's work, the same stages run
/// on the base commit (once per commit and command; the outcomes are cached in the workspace), and the failure is
/// pre-existing when the stage failed there too in the same way — the same failure class and every line of evidence of
/// the work's failure already in the base's output, or for output the classifier does not know, the same exit code and
/// the same last line. Anything new is the agent's, and so is a stage whose command could not run at all (exit code 126
/// or 127): nothing was built or tested, on either side.
/// </summary>
internal sealed class BaselineChecks(Workspace workspace, StageRunner stages)
{
    /// <summary>The workspace folder of the cached outcomes, one folder per base commit (cleaned by the workspace cleanup).</summary>
    public const string Folder = "baselines";

    private const int NotExecutable = 126;
    private const int CommandNotFound = 127;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _commitLocks = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="failed"/>'s failure on the work also happens on the base commit.</summary>
    /// <param name="work">The verification (repository and base commit).</param>
    /// <param name="planned">The stages in order, up to and including the failed one.</param>
    /// <param name="failed">The failed stage's outcome on the work.</param>
    /// <param name="workCheckout">The work's checkout (its path is neutralised before outputs are compared).</param>
    /// <param name="cancellationToken">Stops the base commit's stages.</param>
    public async Task<bool> IsPreExistingAsync(
        VerifyWork work, IReadOnlyList<PlannedStage> planned, StageOutcome failed, string workCheckout, CancellationToken cancellationToken)
    {
        // 126 and 127 are the shell's "not executable" and "command not found": a stage whose command is missing fails
        // the same way on the base commit, and would pass with nothing built or tested.
        if (failed.TimedOut || failed.Cancelled || failed.ExitCode is NotExecutable or CommandNotFound)
        {
            return false;
        }

        var onBase = await RunOnBaseAsync(work, planned, cancellationToken);
        return onBase is { Passed: false }
            && SameFailure(Neutral(failed.OutputTail, workCheckout), failed.ExitCode, onBase.OutputTail, onBase.ExitCode);
    }

    internal static bool SameFailure(string workOutput, int? workExitCode, string baseOutput, int? baseExitCode)
    {
        var onWork = FailureClassifier.Classify(workOutput);
        if (!onWork.IsFailure)
        {
            return workExitCode == baseExitCode && LastLine(workOutput) == LastLine(baseOutput);
        }

        var onBase = FailureClassifier.Classify(baseOutput);
        return onBase.Key == onWork.Key && onWork.Evidence.All(line => baseOutput.Contains(line.Trim(), StringComparison.Ordinal));
    }

    /// <summary>The last planned stage's outcome on the base commit, from the cache or by running the stages there.</summary>
    private async Task<CachedOutcome?> RunOnBaseAsync(VerifyWork work, IReadOnlyList<PlannedStage> planned, CancellationToken cancellationToken)
    {
        var gate = _commitLocks.GetOrAdd(work.BaseCommit, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var cacheFolder = Path.Combine(workspace.Root, Folder, work.BaseCommit);
            if (await ReadAsync(CacheFile(cacheFolder, planned), cancellationToken) is { } cached)
            {
                return cached;
            }

            var worktreeName = WorktreeName(work.BaseCommit);
            var checkout = await workspace.PrepareWorktreeAsync(work.Repository, "", work.BaseCommit, worktreeName, null, null, cancellationToken);
            if (!checkout.Succeeded)
            {
                return null;
            }

            try
            {
                CachedOutcome? last = null;
                for (var count = 1; count <= planned.Count; count++)
                {
                    var stage = planned[count - 1].Stage;
                    var outcome = await stages.RunAsync(stage, checkout.Path, DiscardingReporter.Instance, cancellationToken);
                    if (outcome.Cancelled)
                    {
                        return null;
                    }

                    last = new CachedOutcome(outcome.Passed, outcome.ExitCode, Neutral(outcome.OutputTail, checkout.Path));
                    // A stage the later ones depend on failed: the later stages cannot run on the base either.
                    if (!last.Passed || count == planned.Count)
                    {
                        break;
                    }
                }

                if (last is not null)
                {
                    Directory.CreateDirectory(cacheFolder);
                    await File.WriteAllTextAsync(CacheFile(cacheFolder, planned), JsonSerializer.Serialize(last, Json), cancellationToken);
                }

                return last;
            }
            finally
            {
                await workspace.RemoveWorktreeAsync(worktreeName, CancellationToken.None);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The base commit's checkout while its stages run.</summary>
    public static string WorktreeName(string baseCommit) => "baseline-" + baseCommit[..Math.Min(12, baseCommit.Length)];

    /// <summary>The cache key: the commands of the stages up to the failed one (an earlier stage's command changes the result too).</summary>
    private static string CacheFile(string folder, IReadOnlyList<PlannedStage> planned)
    {
        var key = string.Join('\n', planned.Select(p => $"{p.Stage.Kind}\t{p.Stage.Command}"));
        return Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))) + ".json");
    }

    private static async Task<CachedOutcome?> ReadAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            return JsonSerializer.Deserialize<CachedOutcome>(await File.ReadAllTextAsync(file, cancellationToken), Json);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    /// <summary>Output with the checkout's own path replaced, so the two checkouts' outputs compare.</summary>
    private static string Neutral(string output, string checkout) => output.Replace(checkout, "<checkout>", StringComparison.Ordinal);

    private sealed record CachedOutcome(bool Passed, int? ExitCode, string OutputTail);

    /// <summary>The base commit's stages are not the task's progress: their output is not reported.</summary>
    private sealed class DiscardingReporter : IWorkReporter
    {
        public static readonly DiscardingReporter Instance = new();

        public void Report(WorkEvent workEvent)
        {
        }
    }
}
