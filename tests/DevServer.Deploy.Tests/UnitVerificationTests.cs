using DevServer.Testing;

namespace DevServer.Deploy.Tests;

/// <summary>
/// <c>systemd-analyze verify</c> (offline: no running systemd needed) on the installed units, with the installed unit
/// folder first in the search path so that the template's instances and the target resolve, and the ExecStart paths
/// (install.sh wrote the temporary prefix into them) checked to be executables.
/// </summary>
[Collection(BundleTests.Name)]
public sealed class UnitVerificationTests(PublishedBundle bundle) : IDisposable
{
    private static readonly string[] Units =
    [
        "devserver.target", "devserver-orchestrator.service", "devserver-verifier.service",
        .. new[] { "script", "claude", "glm", "gemini", "codex" }.Select(vendor => $"devserver-sidecar@{vendor}.service"),
    ];

    private readonly Installation _installation = new();

    public void Dispose() => _installation.Dispose();

    [Fact]
    public async Task Verify_InstalledUnits_PassWithoutAWord()
    {
        var ct = TestContext.Current.CancellationToken;
        await _installation.InstallAsync(bundle, ct);

        var result = await VerifyAsync(ct);

        Assert.True(result.ExitCode == 0 && result.StandardError.Length == 0 && result.StandardOutput.Length == 0, result.ToString());
    }

    [Theory]
    [InlineData("devserver-verifier.service", "KillMode=mixed", "KilMode=mixed", "Unknown key 'KilMode'")]
    [InlineData("devserver-sidecar@.service", "/bin/devserver-sidecar-%i", "/bin/devserver-sidecars-%i", "is not executable")]
    [InlineData("devserver-orchestrator.service", "TimeoutStopSec=60", "TimeoutStopSec=sixty", "Failed to parse")]
    public async Task Verify_BrokenUnit_Complains(string unit, string good, string broken, string complaint)
    {
        var ct = TestContext.Current.CancellationToken;
        await _installation.InstallAsync(bundle, ct);
        var path = Path.Combine(_installation.UnitDirectory, unit);
        var text = await File.ReadAllTextAsync(path, ct);
        Assert.Contains(good, text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, text.Replace(good, broken, StringComparison.Ordinal), ct);

        var result = await VerifyAsync(ct);

        Assert.Contains(complaint, result.StandardError, StringComparison.Ordinal);
    }

    private Task<ProcessResult> VerifyAsync(CancellationToken cancellationToken) =>
        ChildProcess.RunAsync(
            "systemd-analyze",
            ["verify", .. Units],
            _installation.Root,
            TimeSpan.FromMinutes(1),
            cancellationToken,
            // The installed folder, then (the trailing ':') systemd's own search path for network-online.target & co.
            new Dictionary<string, string> { ["SYSTEMD_UNIT_PATH"] = _installation.UnitDirectory + ":" });
}
