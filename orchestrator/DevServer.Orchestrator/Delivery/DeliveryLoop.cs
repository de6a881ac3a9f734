using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Hosting;
using DevServer.Orchestrator.Tasks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DevServer.Orchestrator.Delivery;

/// <summary>
/// Delivers tasks that reached <c>delivering</c>, one at a time: woken by the transition into it, and every
/// <see cref="DeliveryOptions.PollInterval"/> for retries whose back-off ended and for leases a crashed instance left
/// behind. A claim is a lease (<c>tasks.delivery_claimed_until</c>) taken with <c>FOR UPDATE SKIP LOCKED</c> and
/// renewed while the delivery runs (<see cref="DeliveryLease"/>), so two orchestrators never deliver the same task at once.
/// </summary>
internal sealed class DeliveryLoop(
    NpgsqlDataSource dataSource,
    TaskTransitions transitions,
    IServiceProvider services,
    IOptions<DeliveryOptions> options,
    TimeProvider clock,
    ILogger<DeliveryLoop> logger)
    : WakeableLoop(logger, options.Value.PollInterval)
{
    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        // Resolved late: TaskDelivery needs the HTTP client factory and git, which are not needed to wake the loop.
        var delivery = services.GetRequiredService<TaskDelivery>();
        while (await ClaimAsync(cancellationToken) is { } claimed)
        {
            await delivery.DeliverAsync(claimed.TaskId, claimed.Until, cancellationToken);
        }
    }

    /// <summary>Takes the oldest deliverable task: its lease starts now and a DeliveryStarted event says so.</summary>
    private async Task<(long TaskId, DateTimeOffset Until)?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long taskId;
        await using (var command = new NpgsqlCommand(
            """
            SELECT id FROM tasks
            WHERE status = 'delivering'
              AND (delivery_claimed_until IS NULL OR delivery_claimed_until < @now)
              AND (delivery_not_before IS NULL OR delivery_not_before <= @now)
            ORDER BY id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
            """,
            connection, transaction))
        {
            command.Parameters.AddWithValue("now", clock.GetUtcNow());
            if (await command.ExecuteScalarAsync(cancellationToken) is not long id)
            {
                return null;
            }

            taskId = id;
        }

        // The row is ours already; LockAsync reads it as every transition does (task row first, then the event log).
        var change = await transitions.LockAsync(transaction, taskId, cancellationToken);
        if (change is null)
        {
            return null;
        }

        var until = DeliveryLease.Until(change.Now, options.Value.Lease);
        await change.ExecuteAsync("UPDATE tasks SET delivery_claimed_until = @until WHERE id = @task", p => p.AddWithValue("until", until), cancellationToken);
        var (flow, attempt) = await ReadFlowAsync(change, cancellationToken);
        change.AddEvent(attempt, new TaskEvent { DeliveryStarted = new DeliveryStarted { Flow = DeliveryFlows.FromStored(flow) } });
        await change.FlushAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        transitions.Committed();
        return (taskId, until);
    }

    /// <summary>The flow the task uses and the attempt whose work is delivered (its events carry that attempt).</summary>
    private static async Task<(string Flow, int Attempt)> ReadFlowAsync(TaskChange change, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT t.delivery_flow, r.delivery_flow,
                   coalesce((SELECT max(attempt) FROM runs WHERE task_id = t.id AND outcome = 'succeeded'), 0)
            FROM tasks t JOIN repositories r ON r.id = t.repository_id WHERE t.id = @task
            """,
            change.Transaction.Connection, change.Transaction);
        command.Parameters.AddWithValue("task", change.TaskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (DeliveryFlows.Effective(reader.GetString(0), reader.GetString(1)), reader.GetInt32(2));
    }
}
