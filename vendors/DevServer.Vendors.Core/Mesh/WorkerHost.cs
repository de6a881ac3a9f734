using System.Collections.Concurrent;
using System.Threading.Channels;
using DevServer.Contracts.Mesh.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rpc;
using Rpc.Client;
using Rpc.Interceptors;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// The worker's side of <c>MeshService.Connect</c>: keeps one stream to the orchestrator open (reconnecting with
/// back-off), runs the assignments that come down it through the <see cref="IAssignmentHandler"/> and sends their
/// events and results up it until the orchestrator has stored them. This file holds the lifetime and the
/// connection; <c>WorkerHost.Assignments.cs</c> what happens to an assignment, <c>WorkerHost.Sending.cs</c> what goes up.
/// </summary>
internal sealed partial class WorkerHost(
    IAssignmentHandler handler,
    IOptions<WorkerOptions> options,
    WorkerIdentity identity,
    ForwardedLogs forwardedLogs,
    TimeProvider timeProvider,
    ILogger<WorkerHost> logger) : BackgroundService
{
    // A dead peer that leaves the TCP connection open is noticed by HTTP/2 pings within about a minute.
    private static readonly TimeSpan KeepAlivePingDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KeepAlivePingTimeout = TimeSpan.FromSeconds(20);

    // On stop, after the drain: the last log entries, the half-close and the orchestrator's end of the call must fit
    // in this, so an orchestrator that no longer reads cannot hold up the stop.
    private static readonly TimeSpan ClosingTimeout = TimeSpan.FromSeconds(2);

    // Verify work carries the patch series down the stream: allow far more than gRPC's 4 MiB default.
    private const int MaxReceiveMessageSize = 256 * 1024 * 1024;

    private readonly WorkerOptions _settings = options.Value;

    // Every assignment from its arrival until its result is stored; survives reconnects.
    private readonly ConcurrentDictionary<string, ActiveAssignment> _assignments = new(StringComparer.Ordinal);

    // The writer loop's wake-up call. The data is in the assignments' outboxes, so one pending signal is enough:
    // reporters never block and nothing is lost when the signal is dropped because one is already waiting.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    // Cancels every handler when the worker stops; each assignment's own source is linked to it.
    private readonly CancellationTokenSource _handlersStop = new();
    private readonly SemaphoreSlim _slots = new(options.Value.Capacity, options.Value.Capacity);
    private int _heartbeatDue;

    /// <summary>The assignments the worker holds now: from their arrival until the orchestrator has stored their result.</summary>
    public IReadOnlyList<Assignment> Assignments => [.. _assignments.Values.Select(a => a.Assignment)];

    public override void Dispose()
    {
        _handlersStop.Dispose();
        _slots.Dispose();
        foreach (var assignment in _assignments.Values)
        {
            assignment.Dispose();
        }

        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var channel = RpcChannel.ForAddress(_settings.OrchestratorAddress, new RpcChannelOptions
        {
            TimeProvider = timeProvider,
            MaxSendMessageSize = null,
            MaxReceiveMessageSize = MaxReceiveMessageSize,
            KeepAlivePingDelay = KeepAlivePingDelay,
            KeepAlivePingTimeout = KeepAlivePingTimeout,
        });

        // The connection outlives stoppingToken by the shutdown grace, so cancelled handlers can still report.
        using var connectionsStop = new CancellationTokenSource();
        var connections = RunConnectionsAsync(channel, connectionsStop.Token);
        var stopping = Task.Delay(Timeout.Infinite, stoppingToken);
        if (await Task.WhenAny(connections, stopping) == connections)
        {
            await connections;
            return;
        }

        await DrainAsync();
        await connectionsStop.CancelAsync();
        await connections;
    }

    /// <summary>Cancels the handlers and waits, within the grace, until the orchestrator has stored their results.</summary>
    private async Task DrainAsync()
    {
        WorkerLog.Stopping(logger, _assignments.Count, _settings.ShutdownGrace);
        await _handlersStop.CancelAsync();
        using var grace = new CancellationTokenSource(_settings.ShutdownGrace, timeProvider);
        try
        {
            await Task.WhenAll(_assignments.Values.Select(a => a.Completion)).WaitAsync(grace.Token);
            while (!_assignments.IsEmpty)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), timeProvider, grace.Token);
            }
        }
        catch (OperationCanceledException) when (grace.IsCancellationRequested)
        {
            WorkerLog.StoppedWithUndelivered(logger, _assignments.Count);
        }
    }

    private async Task RunConnectionsAsync(RpcChannel channel, CancellationToken stop)
    {
        var backoff = new ReconnectBackoff(_settings.ReconnectDelay);
        while (!stop.IsCancellationRequested)
        {
            var attempt = new ConnectionAttempt();
            Exception? failure = null;
            try
            {
                await RunConnectionAsync(channel, attempt, stop);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Whatever the stop interrupted (a write, a read, the handshake) is not worth reporting.
                return;
            }
            catch (Exception ex)
            {
                // Every failure is retried: a worker outlives orchestrator restarts, network trouble and late tokens.
                failure = ex;
            }

            if (stop.IsCancellationRequested)
            {
                return;
            }

            if (attempt.Welcomed)
            {
                backoff.Reset();
            }

            var delay = backoff.Next();
            LogConnectionEnd(failure, delay);
            try
            {
                await Task.Delay(delay, timeProvider, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void LogConnectionEnd(Exception? failure, TimeSpan delay)
    {
        var address = _settings.OrchestratorAddress;
        switch (failure)
        {
            case null:
                WorkerLog.StreamClosed(logger, address, delay);
                break;
            case NoTokenException noToken:
                WorkerLog.NoToken(logger, noToken.TokenFile, noToken.Message, delay);
                break;
            case RpcException { StatusCode: StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.InvalidArgument } refused:
                WorkerLog.Refused(logger, address, refused.StatusCode, refused.Status.Detail, delay);
                break;
            case RpcException rpc:
                WorkerLog.ConnectionFailed(logger, address, rpc.StatusCode, rpc.Status.Detail, delay);
                break;
            default:
                WorkerLog.ConnectionError(logger, failure, address, delay);
                break;
        }
    }

    /// <summary>One connection: Hello, Welcome, then reading, writing and heartbeats until it ends or the worker stops.</summary>
    private async Task RunConnectionAsync(RpcChannel channel, ConnectionAttempt attempt, CancellationToken stop)
    {
        var token = await ReadTokenAsync(stop);
        var client = new MeshService.MeshServiceClient(channel.CreateCallInvoker().Intercept(headers =>
        {
            headers.Add("authorization", "Bearer " + token);
            return headers;
        }));

        // Not linked to stop: the stream is closed gracefully on stop, and aborted only when it fails.
        using var aborted = new CancellationTokenSource();
        using var call = client.Connect(cancellationToken: aborted.Token);
        Welcome welcome;
        using (stop.Register(static state => ((CancellationTokenSource)state!).Cancel(), aborted))
        {
            welcome = await HandshakeAsync(call, aborted.Token);
        }

        attempt.Welcomed = true;
        var heartbeat = HeartbeatInterval(welcome);
        WorkerLog.Connected(logger, _settings.Name!, identity.WorkerId, _settings.OrchestratorAddress, heartbeat, welcome.LeaseDuration?.ToTimeSpan() ?? TimeSpan.Zero);

        foreach (var assignment in _assignments.Values)
        {
            assignment.RestartSending();
        }

        var reading = ReadLoopAsync(call.ResponseStream, aborted.Token);
        var writing = WriteLoopAsync(call.RequestStream, stop, aborted.Token);
        var beating = HeartbeatLoopAsync(heartbeat, aborted.Token);
        var forwarding = LogForwardingLoopAsync(aborted.Token);
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopped = stop.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), stopping);
        try
        {
            var first = await Task.WhenAny(reading, writing, stopping.Task);
            if (stop.IsCancellationRequested)
            {
                await CloseAsync(reading, writing);
                return;
            }

            // Rethrows the failure that ended the connection, if one did.
            await first;
        }
        finally
        {
            await aborted.CancelAsync();
            await Task.WhenAll(reading, writing, beating, forwarding).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Stopping: the writer sends the worker's buffered log entries (the warnings of its stop among them) and
    /// half-closes, then the orchestrator ends the call. All of it within <see cref="ClosingTimeout"/>: the writer may
    /// be held up by an orchestrator that stopped reading (flow control), and the caller aborts the call after this.
    /// </summary>
    private async Task CloseAsync(Task reading, Task writing)
    {
        try
        {
            await ClosedAsync(reading, writing).WaitAsync(ClosingTimeout, timeProvider, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            WorkerLog.CloseTimedOut(logger, _settings.OrchestratorAddress, ClosingTimeout);
        }

        // Failures on the way out are not worth reporting: the worker is stopping either way.
        static async Task ClosedAsync(Task reading, Task writing)
        {
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (writing.IsCompletedSuccessfully)
            {
                await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private Hello CreateHello()
    {
        var hello = new Hello
        {
            WorkerId = identity.WorkerId,
            Name = _settings.Name,
            Kind = _settings.Kind,
            Vendor = _settings.Vendor ?? string.Empty,
            Capacity = _settings.Capacity,
            Version = identity.Version,
            ResumesSessions = _settings.ResumesSessions,
            ReportsCost = _settings.ReportsCost,
            Account = _settings.Account ?? string.Empty,
        };
        hello.Models.AddRange(_settings.Models);
        hello.ActiveAssignmentIds.AddRange(_assignments.Keys);
        return hello;
    }

    /// <summary>Sends the Hello and waits for the Welcome, both within the welcome timeout.</summary>
    private async Task<Welcome> HandshakeAsync(AsyncDuplexStreamingCall<ConnectRequest, ConnectResponse> call, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_settings.WelcomeTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        // The answer is awaited while the Hello is written: a refusal can end the call before the request body is
        // taken, and must end the attempt rather than leave it waiting on the write.
        var writing = call.RequestStream.WriteAsync(new ConnectRequest { Hello = CreateHello() }, linked.Token);
        try
        {
            if (!await call.ResponseStream.MoveNext(linked.Token))
            {
                throw new InvalidOperationException("The orchestrator ended the stream without a Welcome.");
            }

            await writing;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No Welcome within {_settings.WelcomeTimeout}.");
        }
        finally
        {
            // The failure that matters is the response's; the write's own ends with the call.
            _ = writing.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        var response = call.ResponseStream.Current;
        return response.MessageCase == ConnectResponse.MessageOneofCase.Welcome
            ? response.Welcome
            : throw new InvalidOperationException($"The orchestrator answered the Hello with {response.MessageCase} instead of a Welcome.");
    }

    private async Task<string> ReadTokenAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(_settings.Token))
        {
            return _settings.Token.Trim();
        }

        var file = _settings.TokenFile!;
        string text;
        try
        {
            text = await File.ReadAllTextAsync(file, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new NoTokenException(file, "does not exist");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new NoTokenException(file, $"cannot be read ({ex.Message})");
        }

        return text.Trim() is { Length: > 0 } token ? token : throw new NoTokenException(file, "is empty");
    }

    private sealed class ConnectionAttempt
    {
        public bool Welcomed { get; set; }
    }

    private sealed class NoTokenException(string tokenFile, string problem) : Exception(problem)
    {
        public string TokenFile { get; } = tokenFile;
    }
}
