using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.ClaudeCode;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Mesh;
using DevServer.Vendors.Core.Tests.Mesh;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
