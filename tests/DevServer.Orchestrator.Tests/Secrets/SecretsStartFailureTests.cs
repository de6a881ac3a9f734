using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;

namespace DevServer.Orchestrator.Tests.Secrets;

/// <summary>A key (current or previous) the orchestrator cannot use stops its start with a message that says what to fix, never the key.</summary>
public sealed class SecretsStartFailureTests
{
    private const int TimeoutMs = 90_000;

    [Theory(Timeout = TimeoutMs)]
    [InlineData("Key", "Orchestrator:Secrets: Key must be empty")]
    [InlineData("PreviousKeys:0", "Orchestrator:Secrets: PreviousKeys:0 must be the base64 of 32 bytes")]
    public async Task Start_KeySettingNotThirtyTwoBytes_ExitsNonZeroNamingTheSettingWithoutTheValue(string setting, string message)
    {
        await using var data = new OrchestratorDataDirectory();
        await using var process = OrchestratorProcess.Launch(data, $"--Orchestrator:Secrets:{setting}=c2hvcnQta2V5");

        var result = await process.WaitForExitAsync(OrchestratorProcess.StartTimeout, TestContext.Current.CancellationToken);

        Assert.False(result.TimedOut, result.ToString());
        Assert.True(result.ExitCode is not 0, result.ToString());
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("c2hvcnQta2V5", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Start_KeyFileDamaged_ExitsNonZeroNamingTheFileAndKeepsIt()
    {
        await using var data = new OrchestratorDataDirectory();
        var keyFile = Path.Combine(data.Path, "secret.key");
        await File.WriteAllTextAsync(keyFile, "truncated\n", TestContext.Current.CancellationToken);
        await using var process = OrchestratorProcess.Launch(data);

        var result = await process.WaitForExitAsync(OrchestratorProcess.StartTimeout, TestContext.Current.CancellationToken);

        Assert.False(result.TimedOut, result.ToString());
        Assert.True(result.ExitCode is not 0, result.ToString());
        Assert.Contains($"{keyFile} does not hold a secret key", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("truncated\n", await File.ReadAllTextAsync(keyFile, TestContext.Current.CancellationToken));
    }
}
