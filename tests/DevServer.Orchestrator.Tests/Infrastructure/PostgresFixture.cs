using System.Runtime.Versioning;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

// The tests run PostgreSQL's server programs and check Unix file modes and users.
[assembly: SupportedOSPlatform("linux")]

namespace DevServer.Orchestrator.Tests.Infrastructure;

/// <summary>
/// One private PostgreSQL cluster for the whole test run, in a temporary folder, started through the orchestrator's
/// own <see cref="EmbeddedPostgres"/> (durability off: it is thrown away) and stopped at the end. Each test class asks
/// for its own database: a copy of a template migrated once, which takes a fraction of a second.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private const string Template = "migrated_template";

    private readonly TestDirectory _directory = new();
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private EmbeddedPostgres? _postgres;
    private int _databases;

    private EmbeddedPostgres Postgres => _postgres ?? throw new InvalidOperationException("The PostgreSQL fixture did not start.");

    /// <summary>A new database with every migration applied; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken) =>
        await CreateAsync(Template, cancellationToken);

    /// <summary>A new database without any table (for the migration tests).</summary>
    public async Task<string> CreateEmptyDatabaseAsync(CancellationToken cancellationToken) =>
        await CreateAsync(template: null, cancellationToken);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        // Many test classes keep pools open at once; the default of 100 connections would not do.
        var options = Clusters.Options(_directory.Path, "fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300");
        _postgres = Clusters.Create(options);
        await _postgres.StartAsync(ct);
        await _postgres.CreateDatabaseAsync(Template, template: null, ct);
        // No pooling: a template cannot be copied while anybody is connected to it.
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString(Template)) { Pooling = false }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(dataSource, TimeProvider.System, NullLogger<MigrationRunner>.Instance).RunAsync(Migration.Embedded, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            NpgsqlConnection.ClearAllPools();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _postgres.StopAsync(timeout.Token);
        }

        _createLock.Dispose();
        _directory.Dispose();
    }

    private string ConnectionString(string database) => Postgres.Options.ConnectionString(database, maxPoolSize: 20, "devserver-tests");

    private async Task<string> CreateAsync(string? template, CancellationToken cancellationToken)
    {
        var name = $"test_{Interlocked.Increment(ref _databases)}";
        // One copy at a time: PostgreSQL refuses to copy a template that any other session is using, and copies are quick.
        await _createLock.WaitAsync(cancellationToken);
        try
        {
            await Postgres.CreateDatabaseAsync(name, template, cancellationToken);
        }
        finally
        {
            _createLock.Release();
        }

        return ConnectionString(name);
    }
}
