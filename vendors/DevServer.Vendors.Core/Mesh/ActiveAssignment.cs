using DevServer.Contracts.Mesh.V1;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// One assignment from its arrival until the orchestrator has stored its result: the handler's cancellation, the
/// outbox of its numbered events and the result. The handler reports into it from any thread; the writer loop of
/// whichever connection is up takes from it what that connection has not sent yet.
/// </summary>
/// <remarks>
/// Two marks per assignment: what the orchestrator acknowledged (events at or below it are dropped) and what the
/// current connection has sent. A new connection starts sending again from the acknowledged mark, so everything
/// unacknowledged is sent again, and the orchestrator dedupes by sequence number.
/// </remarks>
internal sealed class ActiveAssignment : IWorkReporter, IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<WorkEvent> _unacknowledged = [];
    private readonly TimeProvider _timeProvider;
    private readonly Action _wakeWriter;
    private readonly CancellationTokenSource _cancellation;
    private long _lastSequence;
    private long _acknowledgedThrough;
    private long _sentThrough;
    private WorkResult? _result;
    private bool _resultSent;

    public ActiveAssignment(Assignment assignment, TimeProvider timeProvider, Action wakeWriter, CancellationToken workerStopping)
    {
        Assignment = assignment;
        _timeProvider = timeProvider;
        _wakeWriter = wakeWriter;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(workerStopping);
    }

    public Assignment Assignment { get; }

    public string Id => Assignment.AssignmentId;

    /// <summary>Cancelled when the orchestrator cancels the assignment or the worker stops.</summary>
    public CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>The handler's run, including waiting for a free slot; set once when the assignment starts.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>True once the handler's result is in (the assignment no longer counts as working).</summary>
    public bool HasResult
    {
        get
        {
            lock (_lock)
            {
                return _result is not null;
            }
        }
    }

    /// <summary>Numbers and stamps the event and keeps it until acknowledged; ignored once the result is in.</summary>
    public void Report(WorkEvent workEvent)
    {
        ArgumentNullException.ThrowIfNull(workEvent);
        lock (_lock)
        {
            // The result's last_event_sequence is final: a late event could never be accounted for.
            if (_result is not null)
            {
                return;
            }

            // A copy: the caller may reuse or change its message after reporting it.
            var numbered = workEvent.Clone();
            numbered.Sequence = ++_lastSequence;
            numbered.Time = Timestamp.FromDateTimeOffset(_timeProvider.GetUtcNow());
            _unacknowledged.Add(numbered);
        }

        _wakeWriter();
    }

    /// <summary>Stores the result (the first one only) with the assignment id and the number of its last event; returns what is stored.</summary>
    public WorkResult Complete(WorkResult result)
    {
        WorkResult stored;
        lock (_lock)
        {
            if (_result is not null)
            {
                return _result;
            }

            // A copy: the handler may hand the same message to several assignments (patch bytes are shared, not copied).
            stored = result.Clone();
            stored.AssignmentId = Id;
            stored.LastEventSequence = _lastSequence;
            _result = stored;
        }

        _wakeWriter();
        return stored;
    }

    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Forgotten meanwhile: nothing left to cancel.
        }
    }

    /// <summary>A new connection resends everything the orchestrator has not acknowledged.</summary>
    public void RestartSending()
    {
        lock (_lock)
        {
            _sentThrough = _acknowledgedThrough;
            _resultSent = false;
        }
    }

    /// <summary>
    /// The next message the current connection owes for this assignment: a batch of unsent events in order, or,
    /// once every event is sent, the result (once per connection); null when nothing is owed.
    /// </summary>
    public ConnectRequest? TakeNext(int maxEvents, int maxBytes)
    {
        lock (_lock)
        {
            var first = (int)(_sentThrough - _acknowledgedThrough);
            if (first < _unacknowledged.Count)
            {
                var batch = new WorkEvents { AssignmentId = Id };
                var bytes = 0;
                for (var i = first; i < _unacknowledged.Count && batch.Events.Count < maxEvents; i++)
                {
                    var next = _unacknowledged[i];
                    bytes += next.CalculateSize();
                    // Always at least one event, so an oversized one still goes (and fails visibly) instead of sticking.
                    if (batch.Events.Count > 0 && bytes > maxBytes)
                    {
                        break;
                    }

                    batch.Events.Add(next);
                }

                _sentThrough += batch.Events.Count;
                return new ConnectRequest { Events = batch };
            }

            if (_result is not null && !_resultSent)
            {
                _resultSent = true;
                return new ConnectRequest { Result = _result };
            }

            return null;
        }
    }

    /// <summary>Drops acknowledged events; true when the result is stored and the assignment can be forgotten.</summary>
    public bool Acknowledge(long eventsThrough, bool resultStored)
    {
        lock (_lock)
        {
            var through = Math.Min(eventsThrough, _lastSequence);
            if (through > _acknowledgedThrough)
            {
                _unacknowledged.RemoveRange(0, (int)(through - _acknowledgedThrough));
                _acknowledgedThrough = through;
                _sentThrough = Math.Max(_sentThrough, through);
            }

            return resultStored && _result is not null;
        }
    }

    public void Dispose() => _cancellation.Dispose();
}
