using DevServer.Orchestrator.Tests.Infrastructure;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>Settings of Orchestrator:Endpoints the orchestrator must refuse at start-up, saying which one.</summary>
public sealed class EndpointsOptionsTests
{
    private const int TimeoutMs = 90_000;

    [Theory(Timeout = TimeoutMs)]
    [InlineData("--Orchestrator:Endpoints:ListenAddress=not-an-ip", "ListenAddress")]
    [InlineData("--Orchestrator:Endpoints:GrpcPort=70000", "GrpcPort")]
    [InlineData("--Orchestrator:Endpoints:WebPort=-1", "WebPort")]
    public async Task Start_InvalidSetting_ExitsNonZeroNamingTheSetting(string setting, string name)
    {
        await using var data = new OrchestratorDataDirectory();
        await using var process = OrchestratorProcess.Launch(data, setting);

        var result = await process.WaitForExitAsync(OrchestratorProcess.StartTimeout, TestContext.Current.CancellationToken);

        Assert.False(result.TimedOut, result.ToString());
        Assert.True(result.ExitCode is not 0, result.ToString());
        Assert.Contains(name, result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }
}
