using DevServer.Contracts.Logs.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Orchestrator.Tests.Tasks;
using DevServer.Vendors.Core.Mesh;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rpc.Client;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Orchestrator.Tests.Logs;

/// <summary>
/// Workers' entries in the orchestrator's log, end to end: the built orchestrator as a process, a worker made with the
/// adapter kit (<c>AddMeshWorker</c>) in the test process, and a raw mesh client that tries to log in another's name.
/// </summary>
public sealed partial class WorkerLogForwardingTests(WorkerLogForwardingTests.LogsOrchestrator orchestrator)
    : IClassFixture<WorkerLogForwardingTests.LogsOrchestrator>
{
    private const int TimeoutMs = 90_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task KitWorker_Warning_ArrivesWithTheWorkersIdAsSourceAndInformationStaysLocal()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = $"log-worker-{Guid.NewGuid():N}"[..24];
        using var workspace = new TestDirectory();
        using var worker = BuildKitWorker(name, workspace.Path);
        await worker.StartAsync(ct);
        try
        {
            var workerId = await WaitForWorkerIdAsync(name, ct);
            using var watch = orchestrator.Logs.WatchLogs(
                new WatchLogsRequest { AfterPosition = 0, MinLevel = ProtoLogLevel.Trace, SourcePrefix = $"worker {workerId}" }, cancellationToken: ct);
            await watch.ResponseHeadersAsync;
            var logger = worker.Services.GetRequiredService<ILoggerFactory>().CreateLogger("DevServer.Orchestrator.Tests.KitWorker");

            LogKitInformation(logger, "stays-local");
            LogKitWarning(logger, "forwarded", new TimeoutException("no answer"));
            var entries = await LogStreams.ReadUntilAsync(watch, e => e.Any(x => x.Message.Contains("forwarded", StringComparison.Ordinal)), ct);

            var entry = Assert.Single(entries, e => e.Category == "DevServer.Orchestrator.Tests.KitWorker");
            Assert.Equal($"worker {workerId}", entry.Source);
            Assert.Equal("Kit warning forwarded", entry.Message);
            Assert.Equal(ProtoLogLevel.Warning, entry.Level);
            Assert.StartsWith("System.TimeoutException: no answer", entry.Exception, StringComparison.Ordinal);
            Assert.DoesNotContain(entries, e => e.Message.Contains("stays-local", StringComparison.Ordinal));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task MeshClient_EntriesNamingAnotherWorker_StoredUnderItsOwnConnection()
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello("logs");
        var other = Guid.NewGuid().ToString();
        using var watch = orchestrator.Logs.WatchLogs(new WatchLogsRequest { AfterPosition = -1, SourcePrefix = "worker " }, cancellationToken: ct);
        await watch.ResponseHeadersAsync;
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);

        var logs = new WorkerLogs();
        logs.Entries.Add(new WorkerLogEntry { Level = ProtoLogLevel.Error, Category = $"worker {other}", Message = $"source: worker {other}" });
        await worker.SendAsync(new ConnectRequest { Logs = logs }, ct);
        var entries = await LogStreams.ReadUntilAsync(watch, e => e.Any(x => x.Message.Contains(other, StringComparison.Ordinal)), ct);

        var entry = Assert.Single(entries, e => e.Message.Contains(other, StringComparison.Ordinal));
        Assert.Equal($"worker {hello.WorkerId}", entry.Source);
        Assert.DoesNotContain(entries, e => e.Source.Contains(other, StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Orchestrator_WorkerConnects_ItsOwnInformationEntryArrivesLive()
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello("logs");
        using var watch = orchestrator.Logs.WatchLogs(new WatchLogsRequest { AfterPosition = -1, SourcePrefix = "orchestrator " }, cancellationToken: ct);
        await watch.ResponseHeadersAsync;

        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);
        var entries = await LogStreams.ReadUntilAsync(watch, e => e.Any(x => x.Message.Contains(hello.WorkerId, StringComparison.Ordinal)), ct);

        var entry = Assert.Single(entries, e => e.Message.Contains(hello.WorkerId, StringComparison.Ordinal));
        Assert.Equal(ProtoLogLevel.Information, entry.Level);
        Assert.Contains("connected", entry.Message, StringComparison.Ordinal);
        Assert.Equal("DevServer.Orchestrator.Mesh.MeshApi", entry.Category);
    }

    private IHost BuildKitWorker(string name, string workspace)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Worker:OrchestratorAddress"] = orchestrator.Process.GrpcAddress.ToString(),
            ["Worker:Token"] = orchestrator.Process.Data.ReadWorkerToken(),
            ["Worker:Name"] = name,
            ["Worker:WorkspaceRoot"] = workspace,
        });
        builder.AddMeshWorker<NoWork>(WorkerKind.Vendor, "logs");
        return builder.Build();
    }

    private async Task<string> WaitForWorkerIdAsync(string name, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var workers = await orchestrator.Queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: bound.Token);
            if (workers.Workers.FirstOrDefault(w => w.Name == name && w.Connected) is { } worker)
            {
                return worker.Id;
            }

            await Task.Delay(50, bound.Token);
        }
    }

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Kit warning {Name}")]
    private static partial void LogKitWarning(ILogger logger, string name, Exception exception);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Kit information {Name}")]
    private static partial void LogKitInformation(ILogger logger, string name);

    /// <summary>The kit worker's handler; these tests send it no work.</summary>
    private sealed class NoWork : IAssignmentHandler
    {
        public Task<WorkResult> RunAsync(Assignment assignment, IWorkReporter reporter, CancellationToken cancellationToken) =>
            Task.FromResult(new WorkResult { Agent = new AgentResult { Outcome = AgentOutcome.Failed, Error = "no work in this test" } });
    }

    /// <summary>One orchestrator process for the class, with clients on the admin and worker tokens.</summary>
    public sealed class LogsOrchestrator : IAsyncLifetime
    {
        private RpcChannel? _channel;

        internal OrchestratorProcess Process { get; private set; } = null!;

        public LogService.LogServiceClient Logs { get; private set; } = null!;

        public QueueService.QueueServiceClient Queue { get; private set; } = null!;

        public MeshService.MeshServiceClient Mesh { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Process = await OrchestratorProcess.StartAsync(TestContext.Current.CancellationToken);
            _channel = RpcChannel.ForAddress(Process.GrpcAddress);
            var admin = _channel.CreateCallInvoker().WithBearerToken(Process.Data.ReadAdminToken());
            Logs = new LogService.LogServiceClient(admin);
            Queue = new QueueService.QueueServiceClient(admin);
            Mesh = new MeshService.MeshServiceClient(_channel.CreateCallInvoker().WithBearerToken(Process.Data.ReadWorkerToken()));
        }

        public async ValueTask DisposeAsync()
        {
            _channel?.Dispose();
            if (Process is not null)
            {
                await Process.DisposeAsync();
            }
        }
    }
}
