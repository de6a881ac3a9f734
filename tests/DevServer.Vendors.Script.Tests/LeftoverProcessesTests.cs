using System.Diagnostics;
using System.Globalization;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Testing;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Vendors.Script.Tests;

/// <summary>
/// The process group ledger as every worker gets it from <c>WorkerStartup.Run</c>: the built sidecar is killed outright
/// while its agent command runs, and its next start over the same workspace stops that command before it connects.
/// </summary>
public sealed class LeftoverProcessesTests
{
    /// <summary>Start-up of a .NET host on a busy 2-core machine; a hang fails the test after this.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 180_000)]
    public async Task Sidecar_RestartedAfterBeingKilledMidRun_StopsTheCommandItLeftBeforeConnecting()
    {
        using var repositories = await TestRepositories.CreateAsync();
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        var pidFile = Path.Combine(repositories.Root, "agent.pid");
        await using var first = BuiltSidecar.Start(repositories, server.Address, mesh.Token, "left-script", $"echo $$ > {pidFile}; exec sleep 600");
        await mesh.WaitUntilAsync(m => m.Hellos.Count == 1, "the first sidecar's Hello\n" + first.StandardError, StartTimeout);
        mesh.Assign(new Assignment
        {
            AssignmentId = "left-1",
            TaskId = 8,
            Attempt = 1,
            Agent = new AgentWork
            {
                Repository = new RepositorySource { Name = "demo", Location = repositories.Origin },
                BaseBranch = "main",
                WorkBranch = "devserver/task-8",
                Timeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)),
                Task = new TaskBrief { TaskId = 8, Title = "Sleep" },
            },
        });
        var command = await CommandStartedAsync(pidFile, first);
        try
        {
            await first.CrashAsync(TestContext.Current.CancellationToken);

            // The defect: the agent command outlives its killed sidecar.
            Assert.True(ProcFs.IsRunning(command.Id, command.StartTime), "the command should outlive the killed sidecar");

            await using var second = BuiltSidecar.Start(repositories, server.Address, mesh.Token, "left-script", "true");
            await mesh.WaitUntilAsync(m => m.Hellos.Count == 2, "the second sidecar's Hello\n" + second.StandardError, StartTimeout);

            // The reap is done before the connection, so the command is gone by the time of the Hello.
            Assert.False(ProcFs.IsRunning(command.Id, command.StartTime), "the restarted sidecar should have stopped the command");
            Assert.Empty(Directory.GetFiles(Path.Combine(repositories.WorkspaceRoot, "run", "process-groups"), "*.json"));
            await WaitForAsync(
                () => second.StandardOutput.Contains($"Stopped process group {command.Id} ", StringComparison.Ordinal),
                "the reap's log line\n" + second.StandardOutput);
        }
        finally
        {
            // A failed test must not leave a ten-minute sleep behind.
            if (ProcFs.IsRunning(command.Id, command.StartTime))
            {
                using var process = Process.GetProcessById(command.Id);
                process.Kill();
            }
        }
    }

    private static async Task<(int Id, ulong StartTime)> CommandStartedAsync(string pidFile, ChildProcess sidecar)
    {
        (int Id, ulong StartTime)? command = null;
        await WaitForAsync(
            () =>
            {
                if (File.Exists(pidFile)
                    && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var id)
                    && ProcFs.StartTime(id) is { } startTime)
                {
                    command = (id, startTime);
                }

                return command is not null;
            },
            "the agent command's pid\n" + sidecar.StandardOutput + sidecar.StandardError);
        return command!.Value;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > StartTimeout)
            {
                Assert.Fail($"Timed out waiting for {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken);
        }
    }
}
