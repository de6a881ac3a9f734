using DevServer.Contracts.Mesh.V1;
using DevServer.Orchestrator.Hosting;
using DevServer.Orchestrator.Logs;
using DevServer.Orchestrator.Queue;
using DevServer.Orchestrator.Runs;
using DevServer.Orchestrator.Scheduling;
using DevServer.Orchestrator.Tasks;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Mesh;

/// <summary>
/// The workers' side of the mesh: registration, leases, and the reports that move tasks on. The protocol is
/// described on <c>devserver.mesh.v1.MeshService</c>; the design in docs/pipeline.md.
/// </summary>
internal sealed partial class MeshApi(
    NpgsqlDataSource dataSource,
    WorkerRegistry registry,
    AssignmentDelivery delivery,
    AttemptEndings endings,
    DispatchRequests dispatch,
    OrchestratorInstance instance,
    WorkerLogIntake workerLogs,
    IOptions<MeshOptions> options,
    TimeProvider clock,
    ILogger<MeshApi> logger) : MeshService.MeshServiceBase
{
    public override async Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context)
    {
        var hello = await ReadHelloAsync(requestStream, context.CancellationToken);
        var connection = new WorkerConnection(hello, context.CancellationToken);
        await RegisterAsync(hello, context.CancellationToken);
        registry.Add(connection);
        LogConnected(logger, hello.WorkerId, hello.Name, hello.Kind, hello.Vendor, hello.Capacity);
        var writing = connection.WriteLoopAsync(responseStream);
        try
        {
            var settings = options.Value;
            await connection.SendAsync(new ConnectResponse
            {
                Welcome = new Welcome
                {
                    WorkerId = hello.WorkerId,
                    HeartbeatInterval = Duration.FromTimeSpan(settings.HeartbeatInterval),
                    LeaseDuration = Duration.FromTimeSpan(settings.LeaseDuration),
                },
            }, connection.Closed);
            foreach (var active in hello.ActiveAssignmentIds)
            {
                // Still open: the worker has it, do not send it again. Anything else is answered by delivery's cancel.
                connection.MarkAssignmentSent(active);
            }

            await CancelUnknownAsync(connection, hello.ActiveAssignmentIds, connection.Closed);
            delivery.Wake();
            dispatch.Request();
            await ReadLoopAsync(connection, requestStream);
        }
        catch (OperationCanceledException) when (connection.Closed.IsCancellationRequested)
        {
            // The call ended or a newer connection of this worker took over.
        }
        finally
        {
            connection.Close();
            await writing;
            if (registry.Remove(connection))
            {
                await DisconnectAsync(hello.WorkerId);
            }

            LogDisconnected(logger, hello.WorkerId, hello.Name);
        }
    }

    private async Task ReadLoopAsync(WorkerConnection connection, IAsyncStreamReader<ConnectRequest> requestStream)
    {
        var cancellationToken = connection.Closed;
        var workerId = connection.WorkerId;
        while (await requestStream.MoveNext(cancellationToken))
        {
            var request = requestStream.Current;
            switch (request.MessageCase)
            {
                case ConnectRequest.MessageOneofCase.Heartbeat:
                    await ExtendLeaseAsync(workerId, connection.ReportActive(request.Heartbeat.Active), cancellationToken);
                    break;
                case ConnectRequest.MessageOneofCase.Events:
                    var (stored, through) = await endings.StoreEventsAsync(workerId, request.Events, cancellationToken);
                    await connection.SendAsync(stored == ReportOutcome.Stored
                        ? new ConnectResponse { Acknowledgement = new Acknowledgement { AssignmentId = request.Events.AssignmentId, EventsThrough = through } }
                        : Refusal(request.Events.AssignmentId), cancellationToken);
                    break;
                case ConnectRequest.MessageOneofCase.Result:
                    var outcome = await endings.RecordResultAsync(workerId, request.Result, cancellationToken);
                    await connection.SendAsync(outcome == ReportOutcome.Stored
                        ? new ConnectResponse
                        {
                            Acknowledgement = new Acknowledgement
                            {
                                AssignmentId = request.Result.AssignmentId,
                                EventsThrough = request.Result.LastEventSequence,
                                ResultStored = true,
                            },
                        }
                        : Refusal(request.Result.AssignmentId), cancellationToken);
                    break;
                case ConnectRequest.MessageOneofCase.Logs:
                    // Stamped with this connection's worker id: a worker cannot log in another's name.
                    workerLogs.Accept(workerId, request.Logs);
                    break;
                case ConnectRequest.MessageOneofCase.Hello:
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "Hello may only be sent once, first."));
                default:
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "Empty or unknown message."));
            }
        }
    }

    private static ConnectResponse Refusal(string assignmentId) => new()
    {
        Cancel = new CancelAssignment { AssignmentId = assignmentId, Reason = "this assignment is no longer yours" },
    };

    private async Task<Hello> ReadHelloAsync(IAsyncStreamReader<ConnectRequest> requestStream, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HelloTimeout);
        bool received;
        try
        {
            received = await requestStream.MoveNext(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "No Hello within the time allowed."));
        }

        if (!received || requestStream.Current.MessageCase != ConnectRequest.MessageOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message must be a Hello."));
        }

        var hello = requestStream.Current.Hello;
        string? problem = null;
        if (!Guid.TryParse(hello.WorkerId, out _))
        {
            problem = "worker_id must be a UUID.";
        }
        else if (hello.Name.Length is 0 or > 128 || hello.Name.Any(char.IsControl))
        {
            problem = "name must be 1–128 characters without control characters.";
        }
        else if (hello.Kind == WorkerKind.Unspecified)
        {
            problem = "kind must be VENDOR or VERIFIER.";
        }
        else if (hello.Kind == WorkerKind.Vendor && !TaskValidation.IsVendorId(hello.Vendor))
        {
            problem = "vendor must be a lowercase letter followed by up to 31 lowercase letters, digits or '-'.";
        }
        else if (hello.Capacity is < 1 or > 64)
        {
            problem = "capacity must be between 1 and 64.";
        }
        else if (hello.Models.Count > 64 || hello.Models.Any(m => m.Length is 0 or > 128) || hello.ActiveAssignmentIds.Count > 64
            || hello.Version.Length > 64)
        {
            problem = "models, active_assignment_ids or version are too long.";
        }
        else if (hello.Account.Length > 128 || hello.Account.Any(char.IsControl))
        {
            problem = "account must be at most 128 characters without control characters.";
        }

        return problem is null ? hello : throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
    }

    private async Task RegisterAsync(Hello hello, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO workers (id, name, kind, vendor, models, capacity, version, resumes_sessions, reports_cost, account,
                                 instance_id, lease_expires_at, last_seen_at, registered_at)
            VALUES (@id, @name, @kind, @vendor, @models, @capacity, @version, @resumes, @reports_cost, @account,
                    @instance, @lease, @now, @now)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, vendor = excluded.vendor, models = excluded.models,
                capacity = excluded.capacity, version = excluded.version, resumes_sessions = excluded.resumes_sessions,
                reports_cost = excluded.reports_cost, account = excluded.account, instance_id = excluded.instance_id,
                lease_expires_at = excluded.lease_expires_at, last_seen_at = excluded.last_seen_at;
            """ + QueueChanges.AnnounceStatement);
        command.Parameters.AddWithValue("id", hello.WorkerId);
        command.Parameters.AddWithValue("name", hello.Name);
        command.Parameters.AddWithValue("kind", hello.Kind == WorkerKind.Vendor ? "vendor" : "verifier");
        command.Parameters.AddWithValue("vendor", hello.Kind == WorkerKind.Vendor ? hello.Vendor : "");
        command.Parameters.AddWithValue("models", hello.Models.ToArray());
        command.Parameters.AddWithValue("capacity", hello.Capacity);
        command.Parameters.AddWithValue("version", hello.Version);
        var vendorSidecar = hello.Kind == WorkerKind.Vendor;
        command.Parameters.AddWithValue("resumes", vendorSidecar && hello.ResumesSessions);
        command.Parameters.AddWithValue("reports_cost", vendorSidecar && hello.ReportsCost);
        // Stored resolved, so pauses compare accounts without re-deriving the default.
        command.Parameters.AddWithValue("account", !vendorSidecar ? "" : hello.Account.Length == 0 ? hello.Vendor : hello.Account);
        command.Parameters.AddWithValue("instance", instance.Id);
        command.Parameters.AddWithValue("lease", now + options.Value.LeaseDuration);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <param name="workerId">The worker.</param>
    /// <param name="loadChanged">The heartbeat reports a different load: queue watchers on every instance are told, in the same transaction.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    private async Task ExtendLeaseAsync(string workerId, bool loadChanged, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            "UPDATE workers SET lease_expires_at = @lease, last_seen_at = @now, instance_id = @instance WHERE id = @id"
            + (loadChanged ? ";" + QueueChanges.AnnounceStatement : ""));
        command.Parameters.AddWithValue("id", workerId);
        command.Parameters.AddWithValue("lease", now + options.Value.LeaseDuration);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("instance", instance.Id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The stream is gone but the lease stays: a worker that reconnects in time keeps its assignments. It gets no new
    /// work meanwhile (placement needs an instance holding its stream).
    /// </summary>
    private async Task DisconnectAsync(string workerId)
    {
        try
        {
            await using var command = dataSource.CreateCommand(
                "UPDATE workers SET instance_id = NULL WHERE id = @id AND instance_id = @instance;" + QueueChanges.AnnounceStatement);
            command.Parameters.AddWithValue("id", workerId);
            command.Parameters.AddWithValue("instance", instance.Id);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException exception)
        {
            LogDisconnectFailed(logger, workerId, exception);
        }
    }

    /// <summary>Tells a reconnecting worker to drop assignments it reports that are no longer open for it.</summary>
    private async Task CancelUnknownAsync(WorkerConnection connection, Google.Protobuf.Collections.RepeatedField<string> active, CancellationToken cancellationToken)
    {
        if (active.Count == 0)
        {
            return;
        }

        var ids = active.Select(a => Guid.TryParse(a, out var id) ? id : Guid.Empty).ToArray();
        var open = new HashSet<string>();
        await using (var command = dataSource.CreateCommand(
            "SELECT id FROM assignments WHERE id = ANY(@ids) AND worker_id = @worker AND state = 'open'"))
        {
            command.Parameters.AddWithValue("ids", ids);
            command.Parameters.AddWithValue("worker", connection.WorkerId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                open.Add(reader.GetGuid(0).ToString());
            }
        }

        foreach (var id in active.Where(a => !open.Contains(a)))
        {
            if (connection.MarkCancellationSent(id))
            {
                await connection.SendAsync(Refusal(id), cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} ({Name}) connected: {Kind} {Vendor}, capacity {Capacity}")]
    private static partial void LogConnected(ILogger logger, string workerId, string name, WorkerKind kind, string vendor, int capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} ({Name}) disconnected")]
    private static partial void LogDisconnected(ILogger logger, string workerId, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record that worker {WorkerId} disconnected")]
    private static partial void LogDisconnectFailed(ILogger logger, string workerId, Exception exception);
}
