using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.ClaudeCode;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Mesh;
using DevServer.Vendors.Core.Tests.Git;
using DevServer.Vendors.Core.Tests.Mesh;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>A sidecar built with AddAgentCliWorker says what its CLI offers in its Hello.</summary>
public sealed class AgentCliHostingTests
{
    private const int TimeoutMs = 30_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task AddAgentCliWorker_Hello_CarriesTheDescriptionAndTheAccount()
    {
        var hello = await HelloOfAsync(settings => settings["Worker:Account"] = "team@example.com");

        Assert.Equal(("claude", true, true, "team@example.com"), (hello.Vendor, hello.ResumesSessions, hello.ReportsCost, hello.Account));
        Assert.Equal(["sonnet", "opus"], hello.Models);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AddAgentCliWorker_ModelsConfigured_ConfiguredModelsWinAndAccountDefaultsToEmpty()
    {
        var hello = await HelloOfAsync(settings => settings["Worker:Models:0"] = "haiku");

        Assert.Equal(["haiku"], hello.Models);
        Assert.Equal(string.Empty, hello.Account);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AddAgentCliWorker_WorkspaceCleanup_AgesOutRunFoldersAndMapsButNotTheHeldTasks()
    {
        var root = TempFolder.Create("sidecar-cleanup");
        try
        {
            var settings = WorkerUnderTest.Settings(new Uri("http://127.0.0.1:1"));
            settings["Worker:WorkspaceRoot"] = root;
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton<IAgentCli>(new ClaudeCodeCli(
                new ClaudeCodeProfile { Vendor = "claude", Models = ["sonnet"], DefaultBillingMode = BillingMode.Subscription }, SidecarEnvironment.Empty));
            builder.AddAgentCliWorker<ClaudeCodeCli>("claude");
            using var host = builder.Build();
            var cleanup = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Cleanup;
            var handler = host.Services.GetRequiredService<IAssignmentHandler>();
            var held = handler.WorkspacePathsInUse(TestWork.Agent("a-1", taskId: 42)).ToHashSet(StringComparer.Ordinal);
            var old = TimeProvider.System.GetUtcNow().AddDays(-8).UtcDateTime;
            var heldRun = Directory.CreateDirectory(Path.Combine(root, AgentAttempt.RunsFolder, "task-42")).FullName;
            var finishedRun = Directory.CreateDirectory(Path.Combine(root, AgentAttempt.RunsFolder, "task-7")).FullName;
            var map = Path.Combine(root, AgentAttempt.MapsFolder, "abc-0123.json");
            Directory.CreateDirectory(Path.GetDirectoryName(map)!);
            await File.WriteAllTextAsync(map, "{}", TestContext.Current.CancellationToken);
            Directory.SetLastWriteTimeUtc(heldRun, old);
            Directory.SetLastWriteTimeUtc(finishedRun, old);
            File.SetLastWriteTimeUtc(map, old);

            var report = await host.Services.GetRequiredService<Workspace>().CleanAsync(
                cleanup, held.Contains, TimeProvider.System.GetUtcNow(), TestContext.Current.CancellationToken);

            Assert.Equal([AgentAttempt.RunsFolder, AgentAttempt.MapsFolder], cleanup.CacheFolders);
            Assert.Equal(["worktrees/task-42", "runs/task-42"], held);
            Assert.Equal([map, finishedRun], report.Removed.Select(r => r.Candidate.Path).Order(StringComparer.Ordinal));
            Assert.True(Directory.Exists(heldRun));
        }
        finally
        {
            TempFolder.Delete(root);
        }
    }

    private static async Task<Hello> HelloOfAsync(Action<Dictionary<string, string?>> configure)
    {
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        var settings = WorkerUnderTest.Settings(server.Address);
        configure(settings);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IAgentCli>(new ClaudeCodeCli(
            new ClaudeCodeProfile { Vendor = "claude", Models = ["sonnet", "opus"], DefaultBillingMode = BillingMode.Subscription }, SidecarEnvironment.Empty));
        builder.AddAgentCliWorker<ClaudeCodeCli>("claude");
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await mesh.WaitUntilAsync(m => m.Hellos.Count == 1, "the Hello");
            Assert.IsType<AgentCliHandler>(host.Services.GetRequiredService<IAssignmentHandler>());
            return mesh.Hellos.Single();
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
