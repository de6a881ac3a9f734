using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Mesh;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Verifier.Tests;

/// <summary>The verifier's workspace cleanup as <c>AddVerifier</c> sets it up: the cached baseline outcomes age out too.</summary>
public sealed class WorkspaceCleanupTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task CleanAsync_BaselineOfTheVerifier_RemovedByAgeUnlessItsVerificationIsHeld()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);
        using var host = VerifierHost(scenario.VerifierRoot);
        var cleanup = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Cleanup;
        var handler = host.Services.GetRequiredService<IAssignmentHandler>();
        var workspace = host.Services.GetRequiredService<Workspace>();
        var assignment = scenario.Assignment(VerificationScenario.Stage(StageKind.Test, "echo 'FAILED tests/test_legacy.py::test_old - assert 1 == 2'; exit 1"));
        var result = await handler.RunAsync(assignment, scenario.Reporter, TestToken);
        Assert.Equal([StageKind.Test], result.Verify.PreExistingFailures);
        var baseline = Path.Combine(scenario.VerifierRoot, BaselineChecks.Folder, scenario.BaseCommit);
        Assert.True(Directory.Exists(baseline));
        var now = TimeProvider.System.GetUtcNow();
        Directory.SetLastWriteTimeUtc(baseline, now.AddDays(-8).UtcDateTime);
        var held = handler.WorkspacePathsInUse(assignment).ToHashSet(StringComparer.Ordinal);

        var whileHeld = await workspace.CleanAsync(cleanup, held.Contains, now, TestToken);

        Assert.Contains(BaselineChecks.Folder, cleanup.CacheFolders);
        Assert.Equal(["worktrees/verify-7-2", $"worktrees/baseline-{scenario.BaseCommit[..12]}", $"baselines/{scenario.BaseCommit}"], held);
        Assert.Empty(whileHeld.Removed);
        Assert.True(Directory.Exists(baseline));

        var afterwards = await workspace.CleanAsync(cleanup, _ => false, now, TestToken);

        Assert.Equal([baseline], afterwards.Removed.Select(r => r.Candidate.Path));
        Assert.False(Directory.Exists(baseline));
        Assert.True(Directory.Exists(Path.Combine(scenario.VerifierRoot, "cache", "sample.git")));
    }

    [Fact(Timeout = 10_000)]
    public void AddVerifier_CacheFoldersConfiguredToo_BaselinesListedOnce()
    {
        var root = Path.Combine(Path.GetTempPath(), "devserver-verifier-options");
        using var host = VerifierHost(root, new() { ["Worker:Cleanup:CacheFolders:0"] = BaselineChecks.Folder, ["Worker:Cleanup:MaxAge"] = "2.00:00:00" });

        var cleanup = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Cleanup;

        Assert.Equal([BaselineChecks.Folder], cleanup.CacheFolders);
        Assert.Equal(TimeSpan.FromDays(2), cleanup.MaxAge);
        Assert.Equal(20L * 1024 * 1024 * 1024, cleanup.MaxDiskBytes);
    }

    private static IHost VerifierHost(string root, Dictionary<string, string?>? more = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            ["Worker:Token"] = "worker-token",
            ["Worker:Name"] = "test-verifier",
            ["Worker:WorkspaceRoot"] = root,
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddVerifier();
        return builder.Build();
    }
}
