using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Hosting;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tasks;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DevServer.Orchestrator.Tests.Delivery;

/// <summary>
/// One orchestrator instance in-process, reduced to delivery: the orchestrator's own AddDatabase (a database of the
/// fixture, which several instances may share, as instances of one cluster do), AddEvents, AddSecrets (with the key
/// every instance of one cluster shares), the task transitions and AddDelivery with its loop running, its own delivery
/// root, and every log line it writes.
/// </summary>
internal sealed class DeliveryHost : IAsyncDisposable
{
    private readonly TestDirectory _data;
    private readonly WebApplication _app;
    private readonly DashboardHost.CapturedLogs _logs;

    private DeliveryHost(TestDirectory data, WebApplication app, DashboardHost.CapturedLogs logs)
    {
        _data = data;
        _app = app;
        _logs = logs;
    }

    /// <summary>Every log entry this instance wrote, as level and message.</summary>
    public IReadOnlyList<(LogLevel Level, string Message)> Logs => _logs.Entries;

    public TaskTransitions Transitions => _app.Services.GetRequiredService<TaskTransitions>();

    /// <summary>The key the instances share (<c>Orchestrator:Secrets:Key</c>), fixed so a test can encrypt as they do.</summary>
    public static SecretKey SharedKey { get; } = SecretKey.FromBytes([.. Enumerable.Range(1, SecretKey.Size).Select(i => (byte)i)], "tests");

    public static async Task<DeliveryHost> StartAsync(string connectionString, IReadOnlyDictionary<string, string?> delivery, CancellationToken cancellationToken)
    {
        var data = new TestDirectory();
        var builder = InProcessOrchestrator.CreateBuilder(data.Path, connectionString);
        var logs = new DashboardHost.CapturedLogs();
        builder.Logging.AddProvider(logs);
        builder.Configuration[$"{DeliveryOptions.Section}:Root"] = Path.Combine(data.Path, "delivery");
        builder.Configuration[$"{SecretsOptions.Section}:Key"] = Convert.ToBase64String(SharedKey.Bytes);
        foreach (var (key, value) in delivery)
        {
            builder.Configuration[$"{DeliveryOptions.Section}:{key}"] = value;
        }

        builder.AddDatabase();
        builder.AddSecrets();
        builder.AddEvents();
        builder.Services.AddSingleton<TaskTransitions>();
        builder.AddDelivery();
        var app = builder.Build();
        await app.StartOnLoopbackOrDisposeAsync(data, cancellationToken);
        return new DeliveryHost(data, app, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _data.Dispose();
    }
}
