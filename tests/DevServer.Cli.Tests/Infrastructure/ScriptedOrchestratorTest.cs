namespace DevServer.Cli.Tests.Infrastructure;

/// <summary>
/// What the CLI's tests against a <see cref="ScriptedOrchestrator"/> share: per test (xunit makes a class instance per
/// test), a peer of its own and, once the test uses it, an empty temp folder as the CLI's <c>--data</c>; both are gone
/// after the test.
/// </summary>
public abstract class ScriptedOrchestratorTest : IAsyncLifetime
{
    private readonly Lazy<string> _data = new(() => Directory.CreateTempSubdirectory("devserver-cli-").FullName);
    private ScriptedOrchestrator? _server;

    /// <summary>The peer, started before the test; its <see cref="ScriptedOrchestrator.State"/> is what it answers.</summary>
    private protected ScriptedOrchestrator Server => _server ?? throw new InvalidOperationException("The peer starts in InitializeAsync.");

    /// <summary>The CLI's data folder (token files, files the test or the CLI writes), created on first use.</summary>
    private protected string Data => _data.Value;

    /// <summary>Starts the peer; a test class that scripts answers for every test adds them after this.</summary>
    public virtual async ValueTask InitializeAsync() => _server = await ScriptedOrchestrator.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_data.IsValueCreated)
        {
            Directory.Delete(_data.Value, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Runs the CLI against the peer with the data folder.</summary>
    private protected Task<CliResult> RunAsync(params string[] args) =>
        TestCli.RunAsync([.. args, "--server", Server.ServerOption, "--data", Data]);
}
