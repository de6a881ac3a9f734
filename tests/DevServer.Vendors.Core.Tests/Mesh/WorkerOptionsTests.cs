using DevServer.Contracts;
using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Mesh;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Tests.Mesh;

/// <summary>The <c>Worker</c> settings: defaults that follow from other settings, what the executable fixes, validation at start-up.</summary>
public sealed class WorkerOptionsTests
{
    [Fact]
    public void Defaults_OnlyKindAndVendorFixed_DeriveNameTokenFileAndWorkspace()
    {
        using var host = WorkerUnderTest.Build(new HandlerScript(), new Dictionary<string, string?>());

        var options = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;

        var data = LocalInstallation.DefaultDataDirectory();
        Assert.Equal(new Uri("http://127.0.0.1:5180"), options.OrchestratorAddress);
        Assert.Equal($"{Environment.MachineName}-test", options.Name);
        Assert.Equal(Path.Combine(data, "worker.token"), options.TokenFile);
        Assert.Equal(Path.Combine(data, "workspaces", options.Name!), options.WorkspaceRoot);
        Assert.Equal(1, options.Capacity);
        Assert.Empty(options.Models);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.ReconnectDelay.Min);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ReconnectDelay.Max);
    }

    [Fact]
    public void Defaults_Verifier_NamedAfterTheHost()
    {
        using var host = WorkerUnderTest.Build(new HandlerScript(), new Dictionary<string, string?>(), WorkerKind.Verifier);

        var options = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;

        Assert.Equal($"{Environment.MachineName}-verifier", options.Name);
        Assert.Equal(WorkerKind.Verifier, options.Kind);
    }

    [Fact]
    public void FixedKindAndVendor_ConfigurationSaysOtherwise_ExecutableWins()
    {
        using var host = WorkerUnderTest.Build(new HandlerScript(), new Dictionary<string, string?>
        {
            ["Worker:Kind"] = "Verifier",
            ["Worker:Vendor"] = "other",
        });

        var options = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;

        Assert.Equal(WorkerKind.Vendor, options.Kind);
        Assert.Equal("test", options.Vendor);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("Worker:Capacity", "0", "Capacity")]
    [InlineData("Worker:Capacity", "65", "Capacity")]
    [InlineData("Worker:OrchestratorAddress", "ftp://example", "OrchestratorAddress")]
    [InlineData("Worker:WorkspaceRoot", "relative/path", "WorkspaceRoot")]
    [InlineData("Worker:Name", "a-name-of-129-characters-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Name")]
    [InlineData("Worker:ReconnectDelay:Max", "00:00:00.010", "ReconnectDelay")]
    [InlineData("Worker:Models:0", " ", "Models")]
    [InlineData("Worker:Cleanup:MaxAge", "00:00:00", "Cleanup:MaxAge")]
    [InlineData("Worker:Cleanup:MaxDiskBytes", "0", "Cleanup:MaxDiskBytes")]
    [InlineData("Worker:Cleanup:Interval", "-00:00:01", "Cleanup:Interval")]
    [InlineData("Worker:Cleanup:CacheFolders:0", "worktrees", "Cleanup:CacheFolders")]
    [InlineData("Worker:Cleanup:CacheFolders:0", "../elsewhere", "Cleanup:CacheFolders")]
    public async Task Start_InvalidSetting_FailsNamingIt(string key, string value, string named)
    {
        var settings = WorkerUnderTest.Settings(new Uri("http://127.0.0.1:1"));
        settings[key] = value;
        using var host = WorkerUnderTest.Build(new HandlerScript(), settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Failures, failure => failure.Contains(named, StringComparison.Ordinal));
    }

    [Fact(Timeout = 10_000)]
    public async Task Start_KindNotFixedNorConfigured_FailsNamingKind()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(new HandlerScript());
        builder.AddMeshWorker<ScriptedHandler>();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Failures, failure => failure.Contains("Kind", StringComparison.Ordinal));
    }

    [Fact(Timeout = 10_000)]
    public async Task Start_BadVendorId_FailsNamingVendor()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(new HandlerScript());
        builder.AddMeshWorker<ScriptedHandler>(WorkerKind.Vendor, "Not_A_Vendor");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Failures, failure => failure.Contains("Vendor", StringComparison.Ordinal));
    }
}
