using System.Text.RegularExpressions;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Testing;

namespace DevServer.Cli.Tests.EndToEnd;

/// <summary>
/// `devserver up` with the real programs, shared by the tests of one class: the orchestrator (embedded PostgreSQL),
/// a script sidecar whose agent does nothing, and a verifier, on free ports in a temporary data directory.
/// </summary>
public sealed partial class RunningSystem : IAsyncLifetime
{
    /// <summary>Start-up includes creating a database cluster; on a busy 2-core machine that can take a while.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string _root = CreateRoot();
    private readonly CancellationTokenSource _stop = new();
    private CliRun? _up;

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The orchestrator's gRPC address, as printed by `up`.</summary>
    public string Server { get; private set; } = "";

    /// <summary>Where the built programs are, as the variables the CLI reads.</summary>
    public static Dictionary<string, string> Programs() => new()
    {
        ["DEVSERVER_ORCHESTRATOR"] = BuiltPrograms.Assembly(typeof(RunningSystem).Assembly, "DevServer.Orchestrator"),
        ["DEVSERVER_SCRIPT_SIDECAR"] = BuiltPrograms.Assembly(typeof(RunningSystem).Assembly, "DevServer.Vendors.Script"),
        ["DEVSERVER_VERIFIER"] = BuiltPrograms.Assembly(typeof(RunningSystem).Assembly, "DevServer.Verifier"),
    };

    /// <summary>
    /// A temporary folder the unprivileged PostgreSQL user can pass through (as root the embedded server runs as
    /// 'nobody'), with a short path for PostgreSQL's socket (107 bytes) under the data directory.
    /// </summary>
    public static string CreateRoot()
    {
        var root = Directory.CreateTempSubdirectory("dsc-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        }

        return root;
    }

    public async ValueTask InitializeAsync()
    {
        _up = CliRun.Start(
            ["up", "--data", DataDirectory, "--grpc-port", "0", "--web-port", "0", "--script", "true"],
            TestCli.Host(Programs()),
            _stop.Token);
        await _up.Out.WaitForAsync("DevServer is up", StartTimeout, _up.Exit);
        Server = GrpcLine().Match(_up.Out.ToString()).Groups["url"].Value;
    }

    /// <summary>Runs the CLI against this system (its address, the token file in its data directory).</summary>
    internal Task<CliResult> RunAsync(params string[] args) => TestCli.RunAsync([.. args, "--server", Server, "--data", DataDirectory]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_up is not null)
        {
            await _up.ResultAsync(TimeSpan.FromSeconds(90));
        }

        _stop.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [GeneratedRegex(@"  gRPC +(?<url>http://\S+)")]
    private static partial Regex GrpcLine();
}
