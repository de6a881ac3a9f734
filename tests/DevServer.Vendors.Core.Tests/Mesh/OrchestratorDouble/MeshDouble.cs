using System.Diagnostics;
using System.Threading.Channels;
using DevServer.Contracts.Mesh.V1;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;

/// <summary>A message the double received, with the number of the connection (1, 2, …) it came on.</summary>
public sealed record Arrival(int Connection, ConnectRequest Message);

/// <summary>
/// The orchestrator's side of the mesh as a test plays it: it welcomes workers, records everything they send in
/// arrival order (per connection), acknowledges events and results the way the orchestrator does (or not, when a
/// test wants to see resending), and lets the test send assignments, cancels and acknowledgements or drop the
/// stream. It outlives a restart of the server that serves it, like the orchestrator's database does.
/// </summary>
public sealed class MeshDouble
{
    private readonly Lock _lock = new();
    private readonly List<Arrival> _arrivals = [];
    private readonly Dictionary<string, long> _storedThrough = new(StringComparer.Ordinal);
    private MeshDoubleConnection? _current;
    private int _connections;
    private int _rejected;
    private int _closedByWorker;

    /// <summary>The worker token it accepts.</summary>
    public string Token { get; set; } = "worker-token";

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Acknowledge events as they arrive (the orchestrator stores them at once).</summary>
    public bool AcknowledgeEvents { get; set; } = true;

    /// <summary>Acknowledge results with result_stored as they arrive.</summary>
    public bool StoreResults { get; set; } = true;

    /// <summary>
    /// Stop reading the worker's messages after the Hello, keeping the call open: an orchestrator that hangs. Once
    /// HTTP/2 flow control runs out of credit, the worker's writes wait.
    /// </summary>
    public bool StallReading { get; set; }

    /// <summary>Calls refused for a missing or wrong token.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>Connections the worker ended by closing its request stream (a graceful stop).</summary>
    public int ClosedByWorker => Volatile.Read(ref _closedByWorker);

    public IReadOnlyList<Arrival> Arrivals
    {
        get
        {
            lock (_lock)
            {
                return [.. _arrivals];
            }
        }
    }

    public IReadOnlyList<Hello> Hellos => [.. Arrivals.Where(a => a.Message.Hello is not null).Select(a => a.Message.Hello)];

    public int Heartbeats => Arrivals.Count(a => a.Message.Heartbeat is not null);

    /// <summary>Every event received for the assignment, repeats included, with its connection.</summary>
    public IReadOnlyList<(int Connection, WorkEvent Event)> EventsOf(string assignmentId) =>
    [
        .. Arrivals
            .Where(a => a.Message.Events?.AssignmentId == assignmentId)
            .SelectMany(a => a.Message.Events.Events.Select(e => (a.Connection, e))),
    ];

    /// <summary>Every result received for the assignment, repeats included, with its connection.</summary>
    public IReadOnlyList<(int Connection, WorkResult Result)> ResultsOf(string assignmentId) =>
    [
        .. Arrivals.Where(a => a.Message.Result?.AssignmentId == assignmentId).Select(a => (a.Connection, a.Message.Result)),
    ];

    /// <summary>The number of the connection currently open (0 before the first).</summary>
    public int Connection
    {
        get
        {
            lock (_lock)
            {
                return _current is null ? 0 : _connections;
            }
        }
    }

    public void Send(ConnectResponse response)
    {
        MeshDoubleConnection connection;
        lock (_lock)
        {
            connection = _current ?? throw new InvalidOperationException("No worker is connected.");
        }

        connection.Send(response);
    }

    public void Assign(Assignment assignment) => Send(new ConnectResponse { Assignment = assignment });

    public void Cancel(string assignmentId, string reason = "test") =>
        Send(new ConnectResponse { Cancel = new CancelAssignment { AssignmentId = assignmentId, Reason = reason } });

    public void Acknowledge(string assignmentId, long eventsThrough, bool resultStored = false) =>
        Send(new ConnectResponse
        {
            Acknowledgement = new Acknowledgement { AssignmentId = assignmentId, EventsThrough = eventsThrough, ResultStored = resultStored },
        });

    /// <summary>Ends the current call from the server's side, after what was sent to it is written.</summary>
    public void Drop()
    {
        lock (_lock)
        {
            _current?.Drop();
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with what it waited for and what arrived.</summary>
    public async Task WaitUntilAsync(Func<MeshDouble, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(15);
        var started = Stopwatch.GetTimestamp();
        while (!condition(this))
        {
            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                Assert.Fail($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}. Arrived:\n{Describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), TestContext.Current.CancellationToken);
        }
    }

    public string Describe() => string.Join('\n', Arrivals.Select(a => $"#{a.Connection} {a.Message}"));

    internal void RecordRejected() => Interlocked.Increment(ref _rejected);

    internal void RecordClosedByWorker() => Interlocked.Increment(ref _closedByWorker);

    internal MeshDoubleConnection Open(Hello hello)
    {
        lock (_lock)
        {
            _current?.Drop();
            var number = ++_connections;
            _current = new MeshDoubleConnection(number);
            _arrivals.Add(new Arrival(number, new ConnectRequest { Hello = hello }));
            return _current;
        }
    }

    internal void Close(MeshDoubleConnection connection)
    {
        lock (_lock)
        {
            if (_current == connection)
            {
                _current = null;
            }
        }
    }

    internal Welcome CreateWelcome(Hello hello) => new()
    {
        WorkerId = hello.WorkerId,
        HeartbeatInterval = Duration.FromTimeSpan(HeartbeatInterval),
        LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
    };

    /// <summary>Records a message and answers it the way the orchestrator would.</summary>
    internal void Receive(MeshDoubleConnection connection, ConnectRequest request)
    {
        lock (_lock)
        {
            _arrivals.Add(new Arrival(connection.Number, request));
            switch (request.MessageCase)
            {
                case ConnectRequest.MessageOneofCase.Events when AcknowledgeEvents && request.Events.Events.Count > 0:
                    var id = request.Events.AssignmentId;
                    var through = Math.Max(_storedThrough.GetValueOrDefault(id), request.Events.Events[^1].Sequence);
                    _storedThrough[id] = through;
                    connection.TrySend(Acknowledgement(id, through, resultStored: false));
                    break;
                case ConnectRequest.MessageOneofCase.Result when StoreResults:
                    var result = request.Result;
                    connection.TrySend(Acknowledgement(result.AssignmentId, result.LastEventSequence, resultStored: true));
                    break;
                default:
                    break;
            }
        }
    }

    private static ConnectResponse Acknowledgement(string assignmentId, long eventsThrough, bool resultStored) => new()
    {
        Acknowledgement = new Acknowledgement { AssignmentId = assignmentId, EventsThrough = eventsThrough, ResultStored = resultStored },
    };
}

/// <summary>One worker stream: what the double still has to write to it, in order, by one writer.</summary>
internal sealed class MeshDoubleConnection(int number)
{
    private readonly Channel<ConnectResponse> _outgoing = Channel.CreateUnbounded<ConnectResponse>(new UnboundedChannelOptions { SingleReader = true });

    public int Number { get; } = number;

    public ChannelReader<ConnectResponse> Outgoing => _outgoing.Reader;

    public void Send(ConnectResponse response)
    {
        if (!_outgoing.Writer.TryWrite(response))
        {
            throw new InvalidOperationException($"Connection #{Number} is closed.");
        }
    }

    /// <summary>Queues an answer unless the connection is being dropped.</summary>
    public void TrySend(ConnectResponse response) => _outgoing.Writer.TryWrite(response);

    /// <summary>The writer finishes what is queued, then the call ends.</summary>
    public void Drop() => _outgoing.Writer.TryComplete();
}
