using System.Collections.Concurrent;
using System.Threading.Channels;
using DevServer.Contracts.Mesh.V1;
using Rpc;

namespace DevServer.Orchestrator.Mesh;

/// <summary>
/// One worker's open stream on this instance. Several producers (the read loop's acknowledgements, assignment
/// delivery, cancellations) write through one bounded channel drained by a single writer, because a stream writer
/// is not thread-safe.
/// </summary>
internal sealed class WorkerConnection
{
    private readonly Channel<ConnectResponse> _outgoing = Channel.CreateBounded<ConnectResponse>(
        new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly ConcurrentDictionary<string, bool> _sentAssignments = new();
    private readonly ConcurrentDictionary<string, bool> _sentCancellations = new();
    private readonly CancellationTokenSource _closed;
    private int _reportedActive;

    public WorkerConnection(Hello hello, CancellationToken callCancelled)
    {
        Hello = hello;
        _reportedActive = hello.ActiveAssignmentIds.Count;
        _closed = CancellationTokenSource.CreateLinkedTokenSource(callCancelled);
    }

    public Hello Hello { get; }

    public string WorkerId => Hello.WorkerId;

    /// <summary>Cancelled when the call ends or a newer connection of the same worker replaces this one.</summary>
    public CancellationToken Closed => _closed.Token;

    public ValueTask SendAsync(ConnectResponse message, CancellationToken cancellationToken) =>
        _outgoing.Writer.WriteAsync(message, cancellationToken);

    /// <summary>True the first time an assignment is offered on this connection (so it is sent once per connection).</summary>
    public bool MarkAssignmentSent(string assignmentId) => _sentAssignments.TryAdd(assignmentId, true);

    public bool MarkCancellationSent(string assignmentId) => _sentCancellations.TryAdd(assignmentId, true);

    /// <summary>Records the load a heartbeat reports; true when it differs from the previous report (or the Hello's).</summary>
    public bool ReportActive(int active) => Interlocked.Exchange(ref _reportedActive, active) != active;

    public void Close()
    {
        _outgoing.Writer.TryComplete();
        _closed.Cancel();
    }

    /// <summary>The single writer; ends when the connection closes.</summary>
    public async Task WriteLoopAsync(IServerStreamWriter<ConnectResponse> stream)
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(Closed))
            {
                await stream.WriteAsync(message, Closed);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>The workers whose streams this instance holds.</summary>
internal sealed class WorkerRegistry
{
    private readonly ConcurrentDictionary<string, WorkerConnection> _connections = new();

    public WorkerConnection[] Snapshot() => [.. _connections.Values];

    /// <summary>Adds a connection, closing an older one of the same worker (it reconnected before the old call ended).</summary>
    public void Add(WorkerConnection connection)
    {
        _connections.AddOrUpdate(connection.WorkerId, connection, (_, older) =>
        {
            older.Close();
            return connection;
        });
    }

    public bool Remove(WorkerConnection connection) =>
        _connections.TryRemove(new KeyValuePair<string, WorkerConnection>(connection.WorkerId, connection));

    public WorkerConnection? Find(string workerId) => _connections.GetValueOrDefault(workerId);
}
