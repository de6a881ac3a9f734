using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Tests.Tasks;
using Rpc;
using EventService = DevServer.Contracts.Events.V1.EventService;

namespace DevServer.Orchestrator.Tests.Queue;

/// <summary>
/// Workers meeting the orchestrator (MeshService.Connect with the worker token, no real worker needed) and how they
/// show in QueueService.ListWorkers; and what the worker token may not do.
/// </summary>
public sealed class WorkerRegistrationTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    [Theory(Timeout = TimeoutMs)]
    [InlineData("worker-id-not-a-uuid")]
    [InlineData("name-empty")]
    [InlineData("kind-unspecified")]
    [InlineData("vendor-missing")]
    [InlineData("vendor-uppercase")]
    [InlineData("vendor-trailing-newline")]
    [InlineData("capacity-zero")]
    [InlineData("capacity-65")]
    public async Task Connect_BadHello_InvalidArgumentAndNotRegistered(string spoiled)
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello(orchestrator.UniqueName("bad"));
        switch (spoiled)
        {
            case "worker-id-not-a-uuid":
                hello.WorkerId = "worker-1";
                break;
            case "name-empty":
                hello.Name = "";
                break;
            case "kind-unspecified":
                hello.Kind = WorkerKind.Unspecified;
                break;
            case "vendor-missing":
                hello.Vendor = "";
                break;
            case "vendor-uppercase":
                hello.Vendor = "Script";
                break;
            case "vendor-trailing-newline":
                hello.Vendor = "script\n";
                break;
            case "capacity-zero":
                hello.Capacity = 0;
                break;
            default:
                hello.Capacity = 65;
                break;
        }

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct));

        Assert.DoesNotContain(await ListWorkersAsync(ct), w => w.Id == hello.WorkerId);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Connect_FirstMessageNotAHello_InvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = orchestrator.Mesh.Connect(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new ConnectRequest { Heartbeat = new Heartbeat() }, ct);

        var error = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await call.ResponseStream.MoveNext(ct));

        Assert.Contains("Hello", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Connect_GoodHello_WelcomeWithTheConfiguredLeaseAndListedAsConnected()
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello(orchestrator.UniqueName("good"), capacity: 3);
        hello.Models.Add(["model-a", "model-b"]);

        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);

        Assert.Equal(hello.WorkerId, worker.Welcome.WorkerId);
        Assert.Equal(ApiOrchestratorFixture.HeartbeatInterval, worker.Welcome.HeartbeatInterval.ToTimeSpan());
        Assert.Equal(ApiOrchestratorFixture.LeaseDuration, worker.Welcome.LeaseDuration.ToTimeSpan());
        var listed = Assert.Single(await ListWorkersAsync(ct), w => w.Id == hello.WorkerId);
        Assert.True(listed.Connected);
        Assert.Equal((hello.Name, "vendor", hello.Vendor, 3, 0), (listed.Name, listed.Kind, listed.Vendor, listed.Capacity, listed.Active));
        Assert.Equal(["model-a", "model-b"], listed.Models);
        Assert.NotNull(listed.LastSeenAt);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Connect_VerifierHello_ListedAsVerifierWithoutVendor()
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello("ignored");
        hello.Kind = WorkerKind.Verifier;
        hello.Name = orchestrator.UniqueName("verifier");

        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);

        var listed = Assert.Single(await ListWorkersAsync(ct), w => w.Id == hello.WorkerId);
        Assert.Equal(("verifier", "", true), (listed.Kind, listed.Vendor, listed.Connected));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListWorkers_OneWorkerLeft_ConnectedOnesFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        // "a…" sorts before "z…": only the connection state can put the staying worker first.
        var leaving = FakeWorker.VendorHello(orchestrator.UniqueName("v"));
        leaving.Name = "a-" + leaving.Name;
        var staying = FakeWorker.VendorHello(orchestrator.UniqueName("v"));
        staying.Name = "z-" + staying.Name;
        using var stayingWorker = await FakeWorker.ConnectAsync(orchestrator.Mesh, staying, ct);
        using (await FakeWorker.ConnectAsync(orchestrator.Mesh, leaving, ct))
        {
        }

        var workers = await WaitForWorkersAsync(list => list.Any(w => w.Id == leaving.WorkerId && !w.Connected), ct);

        var connected = workers.TakeWhile(w => w.Connected).Select(w => w.Id).ToList();
        Assert.Contains(staying.WorkerId, connected);
        Assert.All(workers.Skip(connected.Count), w => Assert.False(w.Connected));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Connect_SameWorkerAgain_NewStreamTakesOverAndTheWorkerStaysConnected()
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello(orchestrator.UniqueName("again"));
        using var first = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);

        using var second = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);

        Assert.Equal(hello.WorkerId, second.Welcome.WorkerId);
        // The old stream is closed by the orchestrator (ended or failed, but not left hanging).
        var ended = await Record.ExceptionAsync(() => first.ReadAsync(ct));
        Assert.True(ended is InvalidOperationException or RpcException, $"The old stream is still open: {ended}");
        var listed = Assert.Single(await ListWorkersAsync(ct), w => w.Id == hello.WorkerId);
        Assert.True(listed.Connected);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Connect_SecondHello_InvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello(orchestrator.UniqueName("twice"));
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);

        await worker.SendAsync(new ConnectRequest { Hello = hello }, ct);

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => worker.ReadAsync(ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Heartbeat_AfterAPause_LastSeenMovesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello(orchestrator.UniqueName("beat"));
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);
        var registered = Assert.Single(await ListWorkersAsync(ct), w => w.Id == hello.WorkerId).LastSeenAt.ToDateTimeOffset();
        await Task.Delay(TimeSpan.FromMilliseconds(300), ct);

        await worker.SendAsync(new ConnectRequest { Heartbeat = new Heartbeat { Active = 0 } }, ct);

        var workers = await WaitForWorkersAsync(
            list => list.Any(w => w.Id == hello.WorkerId && w.LastSeenAt.ToDateTimeOffset() > registered), ct);
        Assert.True(Assert.Single(workers, w => w.Id == hello.WorkerId).Connected);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task TaskService_AdminToken_Answers()
    {
        var response = await orchestrator.Tasks.ListTasksAsync(new ListTasksRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(response.NextPageToken);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("tasks")]
    [InlineData("repositories")]
    [InlineData("events")]
    [InlineData("queue")]
    public async Task PublicApi_WorkerToken_PermissionDenied(string service)
    {
        var ct = TestContext.Current.CancellationToken;
        var invoker = orchestrator.WorkerInvoker;

        await RpcAssert.FailsAsync(StatusCode.PermissionDenied, service switch
        {
            "tasks" => async () => await new TaskService.TaskServiceClient(invoker).ListTasksAsync(new ListTasksRequest(), cancellationToken: ct),
            "repositories" => async () => await new RepositoryService.RepositoryServiceClient(invoker).ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: ct),
            "events" => async () =>
            {
                using var watch = new EventService.EventServiceClient(invoker).WatchEvents(new() { AfterPosition = 0 }, cancellationToken: ct);
                await watch.ResponseStream.MoveNext(ct);
            },
            _ => async () => await new QueueService.QueueServiceClient(invoker).ListWorkersAsync(new ListWorkersRequest(), cancellationToken: ct),
        });
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Connect_NoToken_Unauthenticated()
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = new MeshService.MeshServiceClient(orchestrator.Channel).Connect(cancellationToken: ct);

        // Read first: the refusal comes with the response headers, before anything is written.
        await RpcAssert.FailsAsync(StatusCode.Unauthenticated, async () => await call.ResponseStream.MoveNext(ct));
    }

    private async Task<List<Worker>> ListWorkersAsync(CancellationToken cancellationToken) =>
        [.. (await orchestrator.Queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: cancellationToken)).Workers];

    /// <summary>Polls the worker list until <paramref name="done"/> holds (bounded: a disconnect is noticed at once).</summary>
    private async Task<List<Worker>> WaitForWorkersAsync(Func<List<Worker>, bool> done, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(FakeWorker.ReadTimeout);
        while (true)
        {
            var workers = await ListWorkersAsync(bounded.Token);
            if (done(workers))
            {
                return workers;
            }

            await Task.Delay(50, bounded.Token);
        }
    }
}
