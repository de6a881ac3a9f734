using DevServer.Contracts.Analytics.V1;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Ideas.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Settings.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Templates.V1;
using Rpc;
using Rpc.Client;
using Rpc.Health.V1;
using Rpc.Interceptors;

namespace DevServer.Cli.Connection;

/// <summary>
/// The typed clients of the orchestrator's services over one invoker that presents the bearer token. Commands
/// take it, so a test can hand them a connection to any server.
/// </summary>
internal sealed class OrchestratorConnection : IDisposable
{
    /// <summary>A host that does not answer the TCP handshake fails the call after this, not never.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly IDisposable? _owned;

    public OrchestratorConnection(CallInvoker invoker, ConnectionSettings settings, IDisposable? owned = null)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        Settings = settings;
        _owned = owned;
        Tasks = new TaskService.TaskServiceClient(invoker);
        Repositories = new RepositoryService.RepositoryServiceClient(invoker);
        Events = new EventService.EventServiceClient(invoker);
        Queue = new QueueService.QueueServiceClient(invoker);
        Health = new Health.HealthClient(invoker);
        Analytics = new AnalyticsService.AnalyticsServiceClient(invoker);
        ServerSettings = new SettingsService.SettingsServiceClient(invoker);
        Templates = new TemplateService.TemplateServiceClient(invoker);
        Ideas = new IdeaService.IdeaServiceClient(invoker);
    }

    public ConnectionSettings Settings { get; }

    public TaskService.TaskServiceClient Tasks { get; }

    public RepositoryService.RepositoryServiceClient Repositories { get; }

    public EventService.EventServiceClient Events { get; }

    public QueueService.QueueServiceClient Queue { get; }

    public Health.HealthClient Health { get; }

    public AnalyticsService.AnalyticsServiceClient Analytics { get; }

    /// <summary>The orchestrator's run-time settings (<see cref="Settings"/> is where this connection goes).</summary>
    public SettingsService.SettingsServiceClient ServerSettings { get; }

    public TemplateService.TemplateServiceClient Templates { get; }

    public IdeaService.IdeaServiceClient Ideas { get; }

    /// <summary>A channel to <see cref="ConnectionSettings.Server"/> whose calls carry <c>authorization: Bearer …</c>.</summary>
    public static OrchestratorConnection Open(ConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var channel = RpcChannel.ForAddress(settings.Server, new RpcChannelOptions { ConnectTimeout = ConnectTimeout });
        var invoker = channel.CreateCallInvoker();
        if (settings.Token is { } token)
        {
            invoker = invoker.Intercept(headers =>
            {
                headers.Add("authorization", "Bearer " + token);
                return headers;
            });
        }

        return new OrchestratorConnection(invoker, settings, channel);
    }

    public void Dispose() => _owned?.Dispose();
}
