using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Vendors.Script.Tests;

/// <summary>The built sidecar (`dotnet DevServer.Vendors.Script.dll`) as a real process against the orchestrator double.</summary>
public sealed class ScriptVendorProcessTests
{
    /// <summary>Start-up of a .NET host on a busy 2-core machine; a hang fails the test after this.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 120_000)]
    public async Task Sidecar_RegistersAndRunsAnAssignment_ResultCarriesAPatchThatApplies()
    {
        using var repositories = await TestRepositories.CreateAsync();
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var sidecar = BuiltSidecar.Start(repositories, server.Address, mesh.Token, "e2e-script", "printf 'from the sidecar\\n' > NOTES.md");

        await mesh.WaitUntilAsync(m => m.Connection == 1, "the sidecar's Hello\n" + sidecar.StandardOutput + sidecar.StandardError, StartTimeout);
        var hello = mesh.Hellos[0];
        Assert.Equal(("e2e-script", WorkerKind.Vendor, "script", 1), (hello.Name, hello.Kind, hello.Vendor, hello.Capacity));

        mesh.Assign(new Assignment
        {
            AssignmentId = "e2e-1",
            TaskId = 7,
            Attempt = 1,
            Agent = new AgentWork
            {
                Repository = new RepositorySource { Name = "demo", Location = repositories.Origin },
                BaseBranch = "main",
                WorkBranch = "devserver/task-7",
                Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(60)),
                Task = new TaskBrief { TaskId = 7, Title = "Write notes" },
            },
        });
        await mesh.WaitUntilAsync(m => m.ResultsOf("e2e-1").Count == 1, "the result\n" + sidecar.StandardOutput + sidecar.StandardError, StartTimeout);

        var result = mesh.ResultsOf("e2e-1")[0].Result;
        Assert.Equal(AgentOutcome.Succeeded, result.Agent.Outcome);
        Assert.Equal(1, result.Agent.CommitCount);
        Assert.Equal(repositories.BaseCommit, result.Agent.BaseCommit);
        Assert.Equal(mesh.EventsOf("e2e-1").Count, result.LastEventSequence);
        var clone = await repositories.CloneAsync("verifier");
        var mbox = Path.Combine(repositories.Root, "e2e.mbox");
        await File.WriteAllBytesAsync(mbox, result.Agent.PatchSeries.ToByteArray(), TestContext.Current.CancellationToken);
        await TestRepositories.GitAsync(clone, "-c", "user.name=Verifier", "-c", "user.email=verifier@example.invalid", "am", "--quiet", mbox);
        Assert.Equal("from the sidecar\n", await File.ReadAllTextAsync(Path.Combine(clone, "NOTES.md"), TestContext.Current.CancellationToken));

        var exit = await sidecar.TerminateAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(0, exit.ExitCode);
        await mesh.WaitUntilAsync(m => m.ClosedByWorker == 1, "the sidecar's half-close on SIGTERM");
    }
}
