using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using Rpc;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>
/// A vendor sidecar reduced to its mesh conversation: the test reads each assignment and answers with the result it
/// wants, so a task can be driven to failed, blocked or done without git or an agent. One message at a time: the test
/// is the only writer, and every read is bounded so a missing message fails instead of hanging.
/// </summary>
internal sealed class FakeWorker : IDisposable
{
    /// <summary>Dispatch (a Quartz job), NOTIFY and delivery usually take well under a second; this is for a busy machine.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

    private readonly AsyncDuplexStreamingCall<ConnectRequest, ConnectResponse> _call;

    private FakeWorker(AsyncDuplexStreamingCall<ConnectRequest, ConnectResponse> call, Hello hello)
    {
        _call = call;
        Hello = hello;
    }

    public Hello Hello { get; }

    public Welcome Welcome { get; private set; } = new();

    /// <summary>A valid Hello of a vendor sidecar for <paramref name="vendor"/> with a fresh worker id.</summary>
    public static Hello VendorHello(string vendor, int capacity = 1) => new()
    {
        WorkerId = Guid.NewGuid().ToString(),
        Name = $"fake-{vendor}",
        Kind = WorkerKind.Vendor,
        Vendor = vendor,
        Capacity = capacity,
        Version = "test",
    };

    /// <summary>Connects, says <paramref name="hello"/> and waits for the Welcome.</summary>
    public static async Task<FakeWorker> ConnectAsync(MeshService.MeshServiceClient mesh, Hello hello, CancellationToken cancellationToken)
    {
        var worker = new FakeWorker(mesh.Connect(cancellationToken: cancellationToken), hello);
        try
        {
            await worker._call.RequestStream.WriteAsync(new ConnectRequest { Hello = hello }, cancellationToken);
            var first = await worker.ReadAsync(cancellationToken);
            worker.Welcome = first.Welcome ?? throw new InvalidOperationException($"The first message was not a Welcome: {first}");
            return worker;
        }
        catch
        {
            worker.Dispose();
            throw;
        }
    }

    /// <summary>The orchestrator's next message; throws when the stream ends or nothing comes within <see cref="ReadTimeout"/>.</summary>
    public async Task<ConnectResponse> ReadAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        bool received;
        try
        {
            received = await _call.ResponseStream.MoveNext(timeout.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException
            && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No message from the orchestrator within {ReadTimeout.TotalSeconds} s.", exception);
        }

        return received ? _call.ResponseStream.Current : throw new InvalidOperationException("The orchestrator ended the stream.");
    }

    /// <summary>Reads the next message, which must be an assignment of agent work.</summary>
    public async Task<Assignment> NextAssignmentAsync(CancellationToken cancellationToken)
    {
        var message = await ReadAsync(cancellationToken);
        return message.Assignment is { Agent: not null } assignment
            ? assignment
            : throw new InvalidOperationException($"Expected an agent assignment, got {message}");
    }

    /// <summary>Sends any message (a heartbeat, or one the orchestrator must refuse).</summary>
    public Task SendAsync(ConnectRequest message, CancellationToken cancellationToken) =>
        _call.RequestStream.WriteAsync(message, cancellationToken);

    /// <summary>Reports how an assignment ended and returns the orchestrator's answer (an acknowledgement or a cancel).</summary>
    public async Task<ConnectResponse> SendResultAsync(Assignment assignment, AgentResult result, CancellationToken cancellationToken)
    {
        await _call.RequestStream.WriteAsync(
            new ConnectRequest { Result = new WorkResult { AssignmentId = assignment.AssignmentId, Agent = result } }, cancellationToken);
        return await ReadAsync(cancellationToken);
    }

    /// <summary>Ends the call; the orchestrator sees the worker disconnect (its lease stays until it runs out).</summary>
    public void Dispose() => _call.Dispose();
}
