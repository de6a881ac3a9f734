using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Mesh;
using DevServer.Vendors.Core.Tests.Git;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Verifier.Tests.Sandbox;

/// <summary>The sandbox as <c>AddVerifier</c> sets it up: checked at start, never silently left out.</summary>
public sealed class SandboxStartupTests : IDisposable
{
    private readonly string _root = Directory.CreateDirectory(Path.Combine("/var/tmp", $"devserver-sandbox-host-{Guid.NewGuid():N}")).FullName;

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    public void Dispose() => TempFolder.Delete(_root);

    [Fact(Timeout = 30_000)]
    public async Task StartAsync_BubblewrapWithoutBwrap_RefusesToStartNamingThePackage()
    {
        using var host = VerifierHost(new() { ["Verifier:Sandbox:Mode"] = "Bubblewrap", ["Verifier:Sandbox:BwrapPath"] = "/nonexistent/bwrap" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestToken));

        Assert.Contains(
            "Verifier:Sandbox:Mode is Bubblewrap, but there is no bwrap program at '/nonexistent/bwrap': install the package 'bubblewrap'",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task StartAsync_BwrapThatCannotMakeASandbox_RefusesToStart()
    {
        // An executable that is there but fails, as bwrap does where namespaces are not allowed.
        using var host = VerifierHost(new() { ["Verifier:Sandbox:Mode"] = "Bubblewrap", ["Verifier:Sandbox:BwrapPath"] = "/bin/false" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestToken));

        Assert.StartsWith("Verifier:Sandbox:Mode is Bubblewrap, but /bin/false cannot make a sandbox here (exit code 1)", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task StartAsync_RelativeOrMissingPaths_RefusesToStartNamingEach()
    {
        using var host = VerifierHost(new()
        {
            ["Verifier:Sandbox:ReadWritePaths:0"] = "relative/cache",
            ["Verifier:Sandbox:ReadWritePaths:1"] = Path.Combine(_root, "missing"),
            ["Verifier:Sandbox:HiddenPaths:0"] = "/",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestToken));

        Assert.Equal(
            [
                "Verifier:Sandbox:ReadWritePaths 'relative/cache' must be an absolute path.",
                $"Verifier:Sandbox:ReadWritePaths '{Path.Combine(_root, "missing")}' does not exist (bubblewrap can only bind what is there).",
                "Verifier:Sandbox:HiddenPaths '/' must not be the root folder.",
            ],
            error.Failures);
    }

    [Fact(Timeout = 30_000)]
    public async Task StartAsync_BoundPathContainsAHiddenOne_RefusesToStartNamingTheSettingAndWhatItWouldExpose()
    {
        var hidden = Directory.CreateDirectory(Path.Combine(_root, "shared", "secrets")).FullName;
        var workspace = Path.Combine(_root, "workspace");
        using var host = VerifierHost(new()
        {
            ["Verifier:Sandbox:Mode"] = "Bubblewrap",
            ["Worker:WorkspaceRoot"] = workspace,
            ["Verifier:Sandbox:HiddenPaths:0"] = hidden,
            // Beside the hidden ones: fine.
            ["Verifier:Sandbox:ReadWritePaths:0"] = Directory.CreateDirectory(Path.Combine(_root, "shared", "cache")).FullName,
            ["Verifier:Sandbox:ReadWritePaths:1"] = _root,
            ["Verifier:Sandbox:ReadOnlyPaths:0"] = hidden,
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestToken));

        const string Because = "which stages must not see: bound on top of the hides, it would expose it again; bind only the folders in it that stages need.";
        Assert.Equal(
            [
                $"Verifier:Sandbox:ReadOnlyPaths:0 '{hidden}' contains '{hidden}' (Verifier:Sandbox:HiddenPaths:0), {Because}",
                $"Verifier:Sandbox:ReadWritePaths:1 '{_root}' contains '{workspace}' (the workspace root), {Because}",
                $"Verifier:Sandbox:ReadWritePaths:1 '{_root}' contains '{hidden}' (Verifier:Sandbox:HiddenPaths:0), {Because}",
            ],
            error.Failures);
    }

    [Fact(Timeout = 60_000)]
    public async Task AddVerifier_Bubblewrap_StartsAndItsStagesCannotReadTheWorkerToken()
    {
        var tokenFile = Path.Combine(_root, "worker.token");
        await File.WriteAllTextAsync(tokenFile, "worker-secret", TestToken);
        using var scenario = await VerificationScenario.CreateAsync(TestToken);
        using var host = VerifierHost(new()
        {
            ["Verifier:Sandbox:Mode"] = "Bubblewrap",
            ["Worker:Token"] = null,
            ["Worker:TokenFile"] = tokenFile,
            ["Worker:WorkspaceRoot"] = Path.Combine(_root, "workspace"),
        });
        await host.StartAsync(TestToken);
        try
        {
            var handler = host.Services.GetRequiredService<IAssignmentHandler>();

            var result = await handler.RunAsync(
                scenario.Assignment(VerificationScenario.Stage(StageKind.Test, $"wc -c < {tokenFile}")), scenario.Reporter, TestToken);

            Assert.Equal(VerifyOutcome.Passed, result.Verify.Outcome);
            Assert.Contains(scenario.Reporter.Events, e => e.OutputLine is { Source: OutputSource.Worker, Text: "sandbox: bubblewrap (network on)" });
            Assert.Equal(["0"], scenario.Reporter.Events.Where(e => e.OutputLine?.Source == OutputSource.Verifier).Select(e => e.OutputLine.Text.Trim()));
        }
        finally
        {
            await host.StopAsync(TestToken);
        }
    }

    private IHost VerifierHost(Dictionary<string, string?> more)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            // Nothing listens there: the worker's connection attempts fail at once and do not matter here.
            ["Worker:OrchestratorAddress"] = "http://127.0.0.1:1",
            ["Worker:Token"] = "worker-token",
            ["Worker:Name"] = "test-verifier",
            ["Worker:WorkspaceRoot"] = _root,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddVerifier();
        return builder.Build();
    }
}
