using System.CommandLine;
using System.Globalization;
using DevServer.Cli.Output;
using DevServer.Contracts;
using DevServer.Contracts.Queue.V1;
using Google.Protobuf.WellKnownTypes;
using Rpc;
using Rpc.Health.V1;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DevServer.Cli.Commands;

/// <summary>
/// <c>devserver status</c>: is the orchestrator serving, can it reach its database, what does the queue hold and which
/// workers are connected. Meant for a person's first look and for scripts and monitoring: exit 0 only when serving.
/// </summary>
internal static class StatusCommand
{
    /// <summary>A monitoring check must end: an orchestrator whose database hangs answers the queue calls only at its command timeout.</summary>
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static Command Build(CliApp app)
    {
        var timeout = Options.Duration("--timeout", "How long to wait for all of the orchestrator's answers; past it, exit 4 [default: 10s]");
        var status = new Command("status", "Show whether the orchestrator serves and reaches its database, the queue and the connected workers; exit 0 only when serving.")
        {
            timeout,
        };
        app.Handle(status, async (context, cancellationToken) =>
        {
            var connection = context.Connection;
            var deadline = context.Output.Clock.GetUtcNow().UtcDateTime + (context.Get(timeout) ?? DefaultTimeout);
            // Health is open: this part works with any token, or none.
            var server = await connection.Health.CheckAsync(new HealthCheckRequest(), deadline: deadline, cancellationToken: cancellationToken);
            var database = await DatabaseStatusAsync(connection.Health, deadline, cancellationToken);
            var serving = server.Status == ServingStatus.Serving;
            if (context.Output.Json)
            {
                context.Output.WriteJson(HealthJson(server.Status, database));
            }
            else
            {
                context.Output.Out.Write(string.Create(CultureInfo.InvariantCulture, $"Orchestrator: {context.Settings.Server.ToString().TrimEnd('/')}, {Describe(server.Status)}\n"));
                context.Output.Out.Write($"Database: {database switch
                {
                    ServingStatus.Serving => "reachable",
                    ServingStatus.NotServing => "cannot be reached",
                    _ => "not reported by this orchestrator",
                }}\n");
            }

            if (!serving)
            {
                throw new CliException(
                    ExitCodes.Unreachable,
                    database == ServingStatus.NotServing ? "the orchestrator is not serving: it cannot reach its database"
                    : server.Status == ServingStatus.NotServing ? "the orchestrator is not serving"
                    : $"the orchestrator reports its health as {Describe(server.Status)}");
            }

            var queue = await connection.Queue.GetQueueAsync(new GetQueueRequest(), deadline: deadline, cancellationToken: cancellationToken);
            var workers = await connection.Queue.ListWorkersAsync(new ListWorkersRequest(), deadline: deadline, cancellationToken: cancellationToken);
            context.Output.Write(queue.Queue, () => QueueFormatting.State(queue.Queue));
            context.Output.Write(workers, () => ConnectedWorkers(workers.Workers));
            return ExitCodes.Success;
        });
        return status;
    }

    /// <summary>The database's health, or <see cref="ServingStatus.Unknown"/> from an orchestrator that does not report it.</summary>
    private static async Task<ServingStatus> DatabaseStatusAsync(Health.HealthClient health, DateTime deadline, CancellationToken cancellationToken)
    {
        try
        {
            var request = new HealthCheckRequest { Service = HealthServiceNames.Database };
            return (await health.CheckAsync(request, deadline: deadline, cancellationToken: cancellationToken)).Status;
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            return ServingStatus.Unknown;
        }
    }

    /// <summary>
    /// <c>{ "server": "SERVING", "database": "NOT_SERVING" }</c>, statuses by their proto names like every other JSON
    /// line of the CLI; <c>UNKNOWN</c> for a database the orchestrator does not report.
    /// </summary>
    private static Struct HealthJson(ServingStatus server, ServingStatus database) => new()
    {
        Fields =
        {
            ["server"] = Value.ForString(ProtoName(server)),
            ["database"] = Value.ForString(ProtoName(database)),
        },
    };

    private static string ProtoName(ServingStatus status) =>
        HealthCheckResponse.Descriptor.FindFieldByNumber(HealthCheckResponse.StatusFieldNumber).EnumType.FindValueByNumber((int)status).Name;

    private static string Describe(ServingStatus status) => status switch
    {
        ServingStatus.Serving => "serving",
        ServingStatus.NotServing => "not serving",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary><c>Workers: 2 connected (1 vendor, 1 verifier), 1 gone</c>.</summary>
    private static string ConnectedWorkers(Google.Protobuf.Collections.RepeatedField<Worker> workers)
    {
        var connected = workers.Where(w => w.Connected).ToList();
        var kinds = string.Join(", ", connected.GroupBy(w => w.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
        var gone = workers.Count - connected.Count;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Workers: {connected.Count} connected{(kinds.Length > 0 ? $" ({kinds})" : "")}{(gone > 0 ? $", {gone} gone" : "")}\n");
    }
}
