using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Processes;
using Npgsql;

namespace DevServer.Orchestrator.Tests.Data;

/// <summary>Each test makes its own cluster with the machine's PostgreSQL binaries, in its own folder.</summary>
public sealed class EmbeddedPostgresTests : IAsyncDisposable
{
    private const int TimeoutMs = 120_000;

    private readonly TestDirectory _directory = new();
    private readonly EmbeddedPostgresOptions _options;

    public EmbeddedPostgresTests()
    {
        _options = Clusters.Options(_directory.Path);
    }

    private string PidFile => Path.Combine(_options.ClusterDirectory, "postmaster.pid");

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_AfterStop_StartsTheSameClusterAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var postgres = Clusters.Create(_options);

        var first = await postgres.StartAsync(ct);
        await ExecuteAsync("CREATE TABLE marker (id int); INSERT INTO marker VALUES (42)", ct);
        await postgres.StopAsync(ct);
        var stoppedPidFile = File.Exists(PidFile);
        var second = await postgres.StartAsync(ct);

        Assert.Equal(EmbeddedPostgresStart.Initialized, first);
        Assert.False(stoppedPidFile, "The server still had its postmaster.pid after StopAsync.");
        Assert.Equal(EmbeddedPostgresStart.Started, second);
        Assert.Equal(42, await ScalarAsync<int>("SELECT id FROM marker", ct));
        await postgres.StopAsync(ct);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_ServerLeftRunningByAnEarlierRun_ReusesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        // The orchestrator killed with SIGKILL: its EmbeddedPostgres is gone without StopAsync, the server runs on.
        await Clusters.Create(_options).StartAsync(ct);
        var before = PostmasterPid.Read(PidFile)!.Pid;
        var postgres = Clusters.Create(_options);

        var start = await postgres.StartAsync(ct);

        Assert.Equal(EmbeddedPostgresStart.Reused, start);
        Assert.Equal(before, PostmasterPid.Read(PidFile)!.Pid);
        Assert.Equal(1, await ScalarAsync<int>("SELECT 1", ct));
        await postgres.StopAsync(ct);
        Assert.False(File.Exists(PidFile));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_PidFileOfADeadServer_RemovesItAndStarts()
    {
        var ct = TestContext.Current.CancellationToken;
        var postgres = Clusters.Create(_options);
        await postgres.StartAsync(ct);
        var copy = Path.Combine(_options.RootDirectory, "postmaster.pid.copy");
        File.Copy(PidFile, copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var dead = PostmasterPid.Read(PidFile)!.Pid;
        await postgres.StopAsync(ct);
        // What a crash leaves: the file names the server's PID, which no longer runs. Copied by the cluster's owner,
        // who must be able to replace it.
        await postgres.RunAsync("cp", [copy, PidFile], asClusterOwner: true, ct);

        var start = await postgres.StartAsync(ct);

        Assert.Equal(EmbeddedPostgresStart.Started, start);
        Assert.NotEqual(dead, PostmasterPid.Read(PidFile)!.Pid);
        Assert.Equal(1, await ScalarAsync<int>("SELECT 1", ct));
        await postgres.StopAsync(ct);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_PidFileNamingAnotherLiveProcess_RemovesItAndStarts()
    {
        var ct = TestContext.Current.CancellationToken;
        var postgres = Clusters.Create(_options);
        await postgres.StartAsync(ct);
        var lines = await File.ReadAllLinesAsync(PidFile, ct);
        await postgres.StopAsync(ct);
        // After a container restart the old PID often belongs to another process; PID 1 always runs and is no server.
        lines[0] = "1";
        var copy = Path.Combine(_options.RootDirectory, "postmaster.pid.copy");
        await File.WriteAllLinesAsync(copy, lines, ct);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await postgres.RunAsync("cp", [copy, PidFile], asClusterOwner: true, ct);

        var start = await postgres.StartAsync(ct);

        Assert.Equal(EmbeddedPostgresStart.Started, start);
        Assert.NotEqual(1, PostmasterPid.Read(PidFile)!.Pid);
        await postgres.StopAsync(ct);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StopAsync_NoServerRunning_DoesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var postgres = Clusters.Create(_options);
        await postgres.StartAsync(ct);
        await postgres.StopAsync(ct);

        await postgres.StopAsync(ct);

        Assert.False(File.Exists(PidFile));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_ConfiguredBinDirectoryWithoutPostgres_ThrowsNamingIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var postgres = Clusters.Create(_options with { BinDirectory = _directory.Path });

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => postgres.StartAsync(ct));

        Assert.Contains("PostgresBinDirectory", error.Message, StringComparison.Ordinal);
        Assert.Contains(_directory.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_AsRootWithDataDirectoryNobodyCanReach_ThrowsNamingTheDirectory()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "Only root hands the cluster to an unprivileged user.");
        var ct = TestContext.Current.CancellationToken;
        var closed = Path.Combine(_directory.Path, "closed");
        Directory.CreateDirectory(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var postgres = Clusters.Create(Clusters.Options(Path.Combine(closed, "data")));

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => postgres.StartAsync(ct));

        Assert.Contains("'nobody' cannot reach", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{closed} does not let other users enter it", error.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        // A failed test may leave its server running.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Clusters.StopLeftoverAsync(_directory.Path, timeout.Token);
        _directory.Dispose();
    }

    private string ConnectionString() =>
        new NpgsqlConnectionStringBuilder(_options.ConnectionString(EmbeddedPostgres.Database, 1, "tests")) { Pooling = false }.ConnectionString;

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString());
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString());
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
