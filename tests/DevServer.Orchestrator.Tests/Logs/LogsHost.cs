using DevServer.Contracts.Logs.V1;
using DevServer.Orchestrator.Auth;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Hosting;
using DevServer.Orchestrator.Logs;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Rpc.Client;
using Rpc.Server;

namespace DevServer.Orchestrator.Tests.Logs;

/// <summary>
/// The orchestrator's log on real Kestrel against a database of its own: AddDatabase, AddApiAuthentication, AddEvents
/// (the LISTEN connection) and AddLogs, serving LogService on the admin token. Extra writers on the same database play
/// other orchestrator instances.
/// </summary>
internal sealed class LogsHost : IAsyncDisposable
{
    private readonly TestDirectory _data = new();
    private readonly List<LogWriter> _writers = [];
    private WebApplication? _app;
    private RpcChannel? _channel;
    private RpcChannel? _webChannel;
    private NpgsqlDataSource? _extraSource;

    public string ConnectionString { get; private set; } = "";

    public LogService.LogServiceClient Logs { get; private set; } = null!;

    /// <summary>The same service over gRPC-Web on the HTTP/1.1 endpoint, the way the dashboard calls it.</summary>
    public LogService.LogServiceClient WebLogs { get; private set; } = null!;

    /// <summary>The source of the host's own entries.</summary>
    public string Source => PendingLogEntry.OrchestratorSource(Services.GetRequiredService<OrchestratorInstance>().Id);

    public IServiceProvider Services => _app!.Services;

    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();

    public static async Task<LogsHost> StartAsync(PostgresFixture postgres, CancellationToken cancellationToken, IDictionary<string, string?>? settings = null)
    {
        var host = new LogsHost();
        try
        {
            await host.InitializeAsync(postgres, settings, cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public ILogger Logger(string category) => Services.GetRequiredService<ILoggerFactory>().CreateLogger(category);

    /// <summary>Another instance's writer on the same database (its own buffer and pool), started.</summary>
    public async Task<LogBuffer> StartWriterAsync(LogsOptions options, CancellationToken cancellationToken)
    {
        _extraSource ??= NpgsqlDataSource.Create(ConnectionString);
        var buffer = new LogBuffer(options.BufferCapacity);
        var writer = new LogWriter(_extraSource, buffer, Options.Create(options), new OrchestratorInstance(), TimeProvider.System, NullLogger<LogWriter>.Instance);
        _writers.Add(writer);
        await writer.StartAsync(cancellationToken);
        return buffer;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var writer in _writers)
        {
            await writer.StopAsync(CancellationToken.None);
            writer.Dispose();
        }

        _channel?.Dispose();
        _webChannel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        if (_extraSource is not null)
        {
            await _extraSource.DisposeAsync();
        }

        _data.Dispose();
    }

    private async Task InitializeAsync(PostgresFixture postgres, IDictionary<string, string?>? settings, CancellationToken cancellationToken)
    {
        ConnectionString = await postgres.CreateDatabaseAsync(cancellationToken);
        var builder = InProcessOrchestrator.CreateBuilder(_data.Path, ConnectionString);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddDatabase();
        builder.AddApiAuthentication();
        builder.AddEvents();
        builder.AddLogs();
        builder.Services.AddRpc();
        _app = builder.Build();
        _app.MapRpcService<LogApi>().EnableGrpcWeb();
        var addresses = await _app.StartOnLoopbackAsync(cancellationToken);
        _channel = RpcChannel.ForAddress(addresses.H2c);
        var token = (await File.ReadAllTextAsync(Path.Combine(_data.Path, "admin.token"), cancellationToken)).Trim();
        Logs = new LogService.LogServiceClient(_channel.CreateCallInvoker().WithBearerToken(token));
        _webChannel = RpcChannel.ForAddress(addresses.Http1, new RpcChannelOptions { WireFormat = Rpc.Wire.GrpcWireFormat.Web });
        WebLogs = new LogService.LogServiceClient(_webChannel.CreateCallInvoker().WithBearerToken(token));
    }
}
