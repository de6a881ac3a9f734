using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Delivery;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Tasks;

/// <summary>UpdateTask: the fields that are set, validated, then one transition (only while the task is not in flight).</summary>
internal sealed partial class TaskApi
{
    public override async Task<UpdateTaskResponse> UpdateTask(UpdateTaskRequest request, ServerCallContext context)
    {
        var fields = new List<string>();
        var assignments = new List<(string Column, object? Value)>();
        void Set(string field, string column, object? value)
        {
            fields.Add(field);
            assignments.Add((column, value));
        }

        if (request.HasTitle)
        {
            Set("title", "title", TaskValidation.Title(request.Title));
        }

        if (request.HasDescription)
        {
            Set("description", "description", TaskValidation.Text(request.Description, "description", TaskValidation.MaxDescriptionBytes));
        }

        if (request.HasAcceptance)
        {
            Set("acceptance", "acceptance", TaskValidation.Text(request.Acceptance, "acceptance", TaskValidation.MaxAcceptanceBytes));
        }

        if (request.HasPriority)
        {
            Set("priority", "priority", (short)(request.Priority == 0 ? throw TaskValidation.Invalid("priority must be 1 to 4.") : TaskValidation.Priority(request.Priority)));
        }

        if (request.HasVendor)
        {
            Set("vendor", "vendor", TaskValidation.Vendor(request.Vendor));
        }

        if (request.HasModel)
        {
            Set("model", "model", TaskValidation.Model(request.Model));
        }

        if (request.HasBaseBranch)
        {
            Set("base_branch", "base_branch", TaskValidation.Branch(request.BaseBranch, "base_branch"));
            assignments.Add(("base_commit", ""));
        }

        if (request.HasMaxAttempts)
        {
            Set("max_attempts", "max_attempts", TaskValidation.MaxAttempts(request.MaxAttempts, "max_attempts"));
        }

        if (request.AttemptTimeout is not null)
        {
            Set("attempt_timeout", "attempt_timeout", TaskValidation.Timeout(
                request.AttemptTimeout, "attempt_timeout", TaskValidation.MinAttemptTimeout, TaskValidation.MaxAttemptTimeout));
        }

        if (request.HasSkipVerification)
        {
            Set("skip_verification", "skip_verification", request.SkipVerification);
        }

        if (request.HasBackupVendor)
        {
            Set("backup_vendor", "backup_vendor", request.BackupVendor.Length == 0 ? "" : TaskValidation.Vendor(request.BackupVendor));
            if (request.BackupVendor.Length == 0 && !request.HasBackupModel)
            {
                // Removing the backup vendor removes the backup, not just its vendor.
                assignments.Add(("backup_model", ""));
            }
        }

        if (request.HasBackupModel)
        {
            Set("backup_model", "backup_model", TaskValidation.Model(request.BackupModel));
        }

        if (request.TurnLimit is not null && request.ClearTurnLimit)
        {
            throw TaskValidation.Invalid("set turn_limit or clear_turn_limit, not both.");
        }

        if (request.TurnLimit is not null || request.ClearTurnLimit)
        {
            Set("turn_limit", "max_turns", AgentSettings.StoredTurnLimit(request.TurnLimit) is { } turns ? turns : DBNull.Value);
        }

        if (request.HasBillingMode)
        {
            Set("billing_mode", "billing_mode", AgentSettings.StoredBillingMode(request.BillingMode));
        }

        if (request.AllowedTools is not null)
        {
            Set("allowed_tools", "allowed_tools", AgentSettings.AllowedTools(request.AllowedTools.Tools));
        }

        if (request.HasDeliveryFlow)
        {
            Set("delivery_flow", "delivery_flow", DeliveryFlows.ToStored(request.DeliveryFlow, "delivery_flow"));
        }

        if (request.HasRetired)
        {
            // Written inside the change rather than as a plain assignment: retiring takes the change's own time.
            fields.Add("retired");
        }

        if (fields.Count == 0)
        {
            throw TaskValidation.Invalid("set at least one field to change.");
        }

        await ChangeAsync(request.Id, async change =>
        {
            if (request.HasRetired && request.Retired)
            {
                // Before the general rule, so that retiring a pending task is refused too, and says why.
                change.Require("retired", TaskStatuses.Done, TaskStatuses.Failed, TaskStatuses.Blocked, TaskStatuses.Cancelled);
            }

            change.Require("updated", TaskStatuses.Pending, TaskStatuses.Failed, TaskStatuses.Blocked, TaskStatuses.Cancelled, TaskStatuses.Done);
            var sets = string.Concat(assignments.Select((a, i) => $"{a.Column} = @p{i}, "));
            // Retiring twice keeps the first time: it records when the task was put away.
            var retired = !request.HasRetired ? "" : request.Retired ? "retired_at = coalesce(retired_at, @now), " : "retired_at = NULL, ";
            await change.ExecuteAsync($"UPDATE tasks SET {sets}{retired}updated_at = @now WHERE id = @task", parameters =>
            {
                for (var i = 0; i < assignments.Count; i++)
                {
                    parameters.AddWithValue($"p{i}", assignments[i].Value!);
                }
            }, context.CancellationToken);
            if (fields.Exists(f => f is "vendor" or "model" or "backup_vendor" or "backup_model"))
            {
                await CheckBackupAsync(change, context.CancellationToken);
            }

            var updated = new TaskUpdated();
            updated.Fields.AddRange(fields);
            change.AddEvent(0, new TaskEvent { TaskUpdated = updated });
            return true;
        }, context.CancellationToken);
        return new UpdateTaskResponse { Task = await ReadTaskAsync(request.Id, context.CancellationToken) };
    }

    /// <summary>After an update that touched vendors: the stored backup must still differ from the primary.</summary>
    private static async Task CheckBackupAsync(TaskChange change, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT vendor, model, backup_vendor, backup_model FROM tasks WHERE id = @task", change.Transaction.Connection, change.Transaction);
        command.Parameters.AddWithValue("task", change.TaskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (vendor, model, backupVendor, backupModel) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
        await reader.CloseAsync();
        var backup = AgentSettings.Backup(vendor, model, backupVendor, backupModel);
        if (backup != (backupVendor, backupModel))
        {
            await change.ExecuteAsync(
                "UPDATE tasks SET backup_vendor = @backup_vendor WHERE id = @task",
                p => p.AddWithValue("backup_vendor", backup.Vendor), cancellationToken);
        }
    }
}
