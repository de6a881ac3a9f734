using System.Threading.Channels;
using Rpc.Health.V1;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Rpc.Health;

/// <summary>
/// The <c>grpc.health.v1.Health</c> service: a table of service name → status that the application keeps up to
/// date with <see cref="SetStatus"/> and <see cref="ClearStatus"/>, read by Check and List and pushed to every
/// Watch. The empty name stands for the server as a whole and starts as SERVING. Register it as a singleton
/// (<c>AddRpcHealthChecks</c>) so every call sees the same table.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Mirrors Grpc.HealthCheck's HealthServiceImpl, so a switch to it is a rename of the namespace only.")]
public sealed class HealthServiceImpl : Health.V1.Health.HealthBase
{
    /// <summary>List refuses to answer past this many services, as the protocol allows, to bound the response.</summary>
    public const int MaxListedServices = 100;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal) { [string.Empty] = ServingStatus.Serving };
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = new(StringComparer.Ordinal);
    private bool _stopping;

    /// <summary>
    /// Sets a service's status (the empty name is the whole server) and pushes it to the service's watchers when
    /// it changed. Ignored once the server is stopping, so a late update cannot report a draining server healthy.
    /// </summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (status == ServingStatus.ServiceUnknown)
        {
            // SERVICE_UNKNOWN describes the absence of an entry; storing it would make Check lie.
            throw new ArgumentException("SERVICE_UNKNOWN is not a status to set; call ClearStatus to forget a service.", nameof(status));
        }

        lock (_lock)
        {
            if (_stopping || (_statuses.TryGetValue(service, out var current) && current == status))
            {
                return;
            }

            _statuses[service] = status;
            NotifyLocked(service, status);
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND again and its watchers see SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (!_stopping && _statuses.Remove(service))
            {
                NotifyLocked(service, ServingStatus.ServiceUnknown);
            }
        }
    }

    /// <summary>Forgets every service, the whole-server entry included.</summary>
    public void ClearAll()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            foreach (var service in _statuses.Keys)
            {
                NotifyLocked(service, ServingStatus.ServiceUnknown);
            }

            _statuses.Clear();
        }
    }

    /// <summary>Open watches, for tests that check a cancelled watch lets go of its queue.</summary>
    internal int WatcherCount
    {
        get
        {
            lock (_lock)
            {
                return _watchers.Values.Sum(channels => channels.Count);
            }
        }
    }

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            return _statuses.TryGetValue(request.Service, out var status)
                ? Task.FromResult(new HealthCheckResponse { Status = status })
                : throw new RpcException(new Status(StatusCode.NotFound, $"No health status is known for service '{request.Service}'."));
        }
    }

    public override Task<HealthListResponse> List(HealthListRequest request, ServerCallContext context)
    {
        var response = new HealthListResponse();
        lock (_lock)
        {
            if (_statuses.Count > MaxListedServices)
            {
                throw new RpcException(new Status(
                    StatusCode.ResourceExhausted,
                    $"The server reports on {_statuses.Count} services, more than the {MaxListedServices} List returns."));
            }

            foreach (var (service, status) in _statuses)
            {
                response.Statuses.Add(service, new HealthCheckResponse { Status = status });
            }
        }

        return Task.FromResult(response);
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var updates = Subscribe(request.Service);
        try
        {
            await foreach (var status in updates.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client cancelled or its deadline passed: the normal end of a watch, nobody left to tell.
        }
        finally
        {
            Unsubscribe(request.Service, updates);
        }
    }

    /// <summary>
    /// The server is stopping: every service turns NOT_SERVING (so watchers and balancers drain it), later updates
    /// are ignored, and open watches end after that message instead of holding up the shutdown.
    /// </summary>
    internal void OnStopping()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            foreach (var service in _statuses.Keys.ToArray())
            {
                _statuses[service] = ServingStatus.NotServing;
            }

            foreach (var (service, channels) in _watchers)
            {
                var status = _statuses.ContainsKey(service) ? ServingStatus.NotServing : ServingStatus.ServiceUnknown;
                foreach (var channel in channels)
                {
                    channel.Writer.TryWrite(status);
                    channel.Writer.TryComplete();
                }
            }
        }
    }

    /// <summary>
    /// A watcher's queue, primed with the current status. It holds one status and drops the older one: a slow
    /// client skips intermediate states but always ends up with the latest, which is what the protocol promises.
    /// </summary>
    private Channel<ServingStatus> Subscribe(string service)
    {
        var channel = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_lock)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var status) ? status : ServingStatus.ServiceUnknown);
            if (_stopping)
            {
                channel.Writer.TryComplete();
                return channel;
            }

            if (!_watchers.TryGetValue(service, out var channels))
            {
                channels = [];
                _watchers.Add(service, channels);
            }

            channels.Add(channel);
        }

        return channel;
    }

    private void Unsubscribe(string service, Channel<ServingStatus> channel)
    {
        lock (_lock)
        {
            if (_watchers.TryGetValue(service, out var channels) && channels.Remove(channel) && channels.Count == 0)
            {
                _watchers.Remove(service);
            }
        }
    }

    private void NotifyLocked(string service, ServingStatus status)
    {
        if (_watchers.TryGetValue(service, out var channels))
        {
            foreach (var channel in channels)
            {
                channel.Writer.TryWrite(status);
            }
        }
    }
}
