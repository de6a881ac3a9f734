using System.Globalization;
using System.Text;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;

namespace DevServer.Cli.Output;

/// <summary>Tasks and their runs as people read them.</summary>
internal static class TaskFormatting
{
    public static string List(IEnumerable<AgentTask> tasks, TimeZoneInfo zone)
    {
        var table = new Table("ID", "STATUS", "PRI", "REPOSITORY", "VENDOR", "ATTEMPTS", "UPDATED", "TITLE");
        foreach (var task in tasks)
        {
            table.Add(
                Id(task.Id),
                Words.Status(task.Status),
                task.Priority.ToString(CultureInfo.InvariantCulture),
                task.Repository,
                Vendor(task),
                Attempts(task),
                Words.DateTime(task.UpdatedAt, zone),
                task.Title);
        }

        return table.Count == 0 ? "No tasks.\n" : table.ToString();
    }

    /// <summary>One line: <c>task 12 (queued): Implement calc.multiply</c>, to follow a verb.</summary>
    public static string Summary(AgentTask task) =>
        string.Create(CultureInfo.InvariantCulture, $"task {task.Id} ({Words.Status(task.Status)}): {task.Title}");

    public static string Show(AgentTask task, IReadOnlyCollection<Run> runs, TimeZoneInfo zone)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Task {task.Id}: {task.Title}\n");
        var fields = new List<(string Name, string Value)>
        {
            ("status", Words.Status(task.Status) + (task.StatusReason.Length > 0 ? $" ({task.StatusReason})" : "")),
            ("repository", string.Create(CultureInfo.InvariantCulture, $"{task.Repository} (id {task.RepositoryId})")),
            ("priority", task.Priority.ToString(CultureInfo.InvariantCulture)),
            ("vendor", Vendor(task) + (task.OnBackup ? " (replaced by its backup)" : "")),
            ("branch", task.BaseCommit.Length > 0 ? $"{task.BaseBranch} @ {Words.ShortCommit(task.BaseCommit)}" : task.BaseBranch),
            ("attempts", string.Create(CultureInfo.InvariantCulture, $"{task.AttemptsUsed} of {task.MaxAttempts} used")),
            ("timeout", Words.Duration(task.AttemptTimeout) + " per attempt"),
            ("verification", task.SkipVerification ? "skipped" : "on"),
        };
        if (task.BackupVendor.Length > 0)
        {
            var backup = task.BackupModel.Length == 0 ? task.BackupVendor : $"{task.BackupVendor}/{task.BackupModel}";
            fields.Add(("backup", backup + (task.OnBackup ? " (working on it)" : "")));
        }

        fields.Add(("turns", task.TurnLimit?.LimitCase switch
        {
            TurnLimit.LimitOneofCase.Unlimited => "unlimited",
            TurnLimit.LimitOneofCase.MaxTurns => string.Create(CultureInfo.InvariantCulture, $"at most {task.TurnLimit.MaxTurns} per attempt"),
            _ => "the orchestrator's default",
        }));
        fields.Add(("billing", task.BillingMode switch
        {
            BillingMode.ApiKey => "API key",
            BillingMode.Subscription => "subscription",
            _ => "the sidecar's default",
        }));
        if (task.AllowedTools.Count > 0)
        {
            fields.Add(("allowed tools", string.Join(", ", task.AllowedTools)));
        }

        if (task.Labels.Count > 0)
        {
            fields.Add(("labels", string.Join(", ", task.Labels)));
        }

        fields.AddRange(DeliveryFormatting.TaskFields(task, zone));

        if (task.NotBefore is not null)
        {
            fields.Add(("not before", Words.DateTime(task.NotBefore, zone)));
        }

        fields.Add(("created", Words.DateTime(task.CreatedAt, zone)));
        fields.Add(("updated", Words.DateTime(task.UpdatedAt, zone)));
        fields.Add(("events", task.LastEventSequence.ToString(CultureInfo.InvariantCulture)));
        AppendFields(text, fields);
        AppendBlock(text, "Description", task.Description);
        AppendBlock(text, "Acceptance", task.Acceptance);
        text.Append('\n').Append(Runs(runs, zone));
        return text.ToString();
    }

    public static string Runs(IReadOnlyCollection<Run> runs, TimeZoneInfo zone)
    {
        if (runs.Count == 0)
        {
            return "No attempts yet.\n";
        }

        var table = new Table("ATTEMPT", "OUTCOME", "VENDOR", "WORKER", "EXIT", "TURNS", "COST", "DURATION", "COMMITS", "VERIFICATION", "STARTED");
        var notes = new StringBuilder();
        foreach (var run in runs)
        {
            table.Add(
                "#" + run.Attempt.ToString(CultureInfo.InvariantCulture),
                Words.Outcome(run.Outcome),
                string.IsNullOrEmpty(run.Model) ? run.Vendor : $"{run.Vendor}/{run.Model}",
                Words.OrDash(run.WorkerId),
                run.HasExitCode ? run.ExitCode.ToString(CultureInfo.InvariantCulture) : "-",
                run.Turns.ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"${run.CostUsd:0.00}"),
                Words.Duration(run.Duration),
                run.CommitCount.ToString(CultureInfo.InvariantCulture),
                Verification(run.Verification),
                Words.DateTime(run.StartedAt, zone));
            if (run.Error.Length > 0)
            {
                var kind = ActivityFormatting.ErrorKind(run.ErrorKind);
                var givenBack = run.AttemptGivenBack ? " (attempt given back)" : "";
                notes.Append(CultureInfo.InvariantCulture, $"#{run.Attempt} error{(kind.Length > 0 ? $" [{kind}]" : "")}{givenBack}: {run.Error}\n");
            }

            if (run.Usage is { } usage && usage.InputTokens + usage.OutputTokens > 0)
            {
                notes.Append(CultureInfo.InvariantCulture, $"#{run.Attempt} tokens: {ActivityFormatting.Usage(usage)}\n");
            }

            if (run.Verification is { Passed: false, OutputTail.Length: > 0 } failed)
            {
                notes.Append(CultureInfo.InvariantCulture, $"#{run.Attempt} {failed.FailedStage} output (tail):\n");
                foreach (var line in failed.OutputTail.TrimEnd('\n').Split('\n'))
                {
                    notes.Append("    ").Append(line).Append('\n');
                }
            }
        }

        return table + notes.ToString();
    }

    public static string Verification(Verification? verification) => verification switch
    {
        null => "-",
        { Passed: true } => "passed in " + Words.Duration(verification.Duration),
        { HasExitCode: true } => string.Create(CultureInfo.InvariantCulture, $"{verification.FailedStage} failed (exit {verification.ExitCode})"),
        _ => $"{Words.OrDash(verification.FailedStage)} failed",
    };

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static string Vendor(AgentTask task) => string.IsNullOrEmpty(task.Model) ? task.Vendor : $"{task.Vendor}/{task.Model}";

    private static string Attempts(AgentTask task) =>
        string.Create(CultureInfo.InvariantCulture, $"{task.AttemptsUsed}/{task.MaxAttempts}");

    internal static void AppendFields(StringBuilder text, IEnumerable<(string Name, string Value)> fields)
    {
        foreach (var (name, value) in fields)
        {
            text.Append("  ").Append(name.PadRight(14)).Append(value).Append('\n');
        }
    }

    internal static void AppendBlock(StringBuilder text, string title, string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return;
        }

        text.Append('\n').Append(title).Append(":\n");
        foreach (var line in body.TrimEnd().ReplaceLineEndings("\n").Split('\n'))
        {
            text.Append("  ").Append(line).Append('\n');
        }
    }
}
