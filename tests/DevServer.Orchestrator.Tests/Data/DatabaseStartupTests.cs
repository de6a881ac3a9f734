using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;

namespace DevServer.Orchestrator.Tests.Data;

/// <summary>Database settings the built orchestrator must refuse at start-up, saying what is wrong.</summary>
public sealed class DatabaseStartupTests
{
    private const int TimeoutMs = 90_000;

    [Theory(Timeout = TimeoutMs)]
    [InlineData("--Orchestrator:Database:EmbeddedPort=0", "EmbeddedPort")]
    [InlineData("--Orchestrator:Database:ConnectionString=Hots=nowhere", "ConnectionString")]
    [InlineData("--Orchestrator:Database:PostgresBinDirectory=/nonexistent/bin", "PostgresBinDirectory is '/nonexistent/bin'")]
    public async Task Start_InvalidSetting_ExitsNonZeroSayingWhatIsWrong(string setting, string expected)
    {
        await using var data = new OrchestratorDataDirectory();
        await using var process = OrchestratorProcess.Launch(data, setting);

        var result = await process.WaitForExitAsync(OrchestratorProcess.StartTimeout, TestContext.Current.CancellationToken);

        Assert.False(result.TimedOut, result.ToString());
        Assert.True(result.ExitCode is not 0, result.ToString());
        Assert.Contains(expected, result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }
}
