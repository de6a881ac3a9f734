using System.Globalization;
using System.Text;
using DevServer.Contracts.Events.V1;

namespace DevServer.Cli.Output;

/// <summary>
/// One task event as one line: <c>10:15:03  #1  stage      build: python3 -m py_compile calc.py</c>. Output lines
/// of the agent or a stage are indented under the events, with their source: <c>10:15:03  #1      build | …</c>.
/// </summary>
internal static class EventFormatting
{
    private const int KindWidth = 9;

    /// <param name="taskEvent">The event.</param>
    /// <param name="zone">The zone its time is shown in.</param>
    /// <param name="withTask">Prefix the task id (for the stream of all tasks' events).</param>
    public static string Line(TaskEvent taskEvent, TimeZoneInfo zone, bool withTask = false)
    {
        var text = new StringBuilder();
        if (withTask)
        {
            text.Append(CultureInfo.InvariantCulture, $"task {taskEvent.TaskId,-5} ");
        }

        text.Append(Words.TimeOfDay(taskEvent.Time, zone)).Append("  ");
        text.Append((taskEvent.Attempt > 0 ? "#" + taskEvent.Attempt.ToString(CultureInfo.InvariantCulture) : "").PadRight(4));
        if (taskEvent.KindCase == TaskEvent.KindOneofCase.OutputLine)
        {
            var line = taskEvent.OutputLine;
            text.Append("  ").Append(Source(line).PadLeft(KindWidth - 2)).Append(line.Stderr ? " ! " : " | ").Append(line.Text);
            return text.ToString().TrimEnd();
        }

        var (kind, detail) = Describe(taskEvent, zone);
        text.Append(kind.PadRight(KindWidth)).Append("  ").Append(detail);
        return text.ToString().TrimEnd();
    }

    /// <summary>An agent output line that is a JSON object: an agent CLI's structured output, which also arrives as typed steps.</summary>
    public static bool IsRawVendorLine(TaskEvent taskEvent) =>
        taskEvent.OutputLine is { Source: OutputSource.Agent } line && line.Text.StartsWith('{');

    /// <summary>The kind word and the detail of an event other than an output line.</summary>
    public static (string Kind, string Detail) Describe(TaskEvent taskEvent, TimeZoneInfo zone) => taskEvent.KindCase switch
    {
        TaskEvent.KindOneofCase.Created => ("created", $"\"{taskEvent.Created.Title}\" in {taskEvent.Created.Repository}"),
        TaskEvent.KindOneofCase.StatusChanged => ("status", StatusChange(taskEvent.StatusChanged)),
        TaskEvent.KindOneofCase.AttemptStarted => ("attempt", AttemptStart(taskEvent.AttemptStarted)),
        TaskEvent.KindOneofCase.AgentActivity => ActivityFormatting.Describe(taskEvent.AgentActivity, zone),
        TaskEvent.KindOneofCase.AgentFinished => ("agent", AgentFinish(taskEvent.AgentFinished)),
        TaskEvent.KindOneofCase.StageStarted => ("stage", $"{Words.Stage(taskEvent.StageStarted.Stage)}: {taskEvent.StageStarted.Command}"),
        TaskEvent.KindOneofCase.StageFinished => ("stage", StageFinish(taskEvent.StageFinished)),
        TaskEvent.KindOneofCase.RetryScheduled => ("retry", Retry(taskEvent.RetryScheduled, zone)),
        TaskEvent.KindOneofCase.WorkerLost => ("lost", $"worker {Worker(taskEvent.WorkerLost.WorkerName, taskEvent.WorkerLost.WorkerId)} disappeared"),
        TaskEvent.KindOneofCase.TaskUpdated => ("updated", string.Join(", ", taskEvent.TaskUpdated.Fields)),
        TaskEvent.KindOneofCase.VendorPaused => ("paused", VendorPause(taskEvent.VendorPaused, zone)),
        TaskEvent.KindOneofCase.FailedOver => ("failover", Failover(taskEvent.FailedOver)),
        TaskEvent.KindOneofCase.FailureClassified => ("class", Classified(taskEvent.FailureClassified)),
        TaskEvent.KindOneofCase.OutputLine => ("output", taskEvent.OutputLine.Text),
        _ => DeliveryFormatting.Describe(taskEvent, zone) ?? ("event", "(unknown to this version of devserver)"),
    };

    private static string Source(OutputLine line) => line.Source switch
    {
        OutputSource.Agent => "agent",
        OutputSource.Worker => "worker",
        OutputSource.Verifier => Words.Stage(line.Stage),
        _ => "output",
    };

    private static string StatusChange(StatusChanged change)
    {
        var text = $"{Words.Status(change.From)} → {Words.Status(change.To)}";
        return change.Reason.Length > 0 ? $"{text} ({change.Reason})" : text;
    }

    private static string AttemptStart(AttemptStarted started)
    {
        var worker = Worker(started.WorkerName, started.WorkerId);
        if (started.Work == "verify")
        {
            return $"verification on {worker}";
        }

        var vendor = string.IsNullOrEmpty(started.Model) ? started.Vendor : $"{started.Vendor}/{started.Model}";
        return $"{Words.OrDash(started.Work)} {vendor} on {worker}".Trim();
    }

    private static string VendorPause(VendorPaused paused, TimeZoneInfo zone)
    {
        var account = paused.Account.Length == 0 || paused.Account == paused.Vendor ? paused.Vendor : $"{paused.Vendor} ({paused.Account})";
        var text = $"{account} gets no work until {Words.DateTime(paused.Until, zone)}";
        return paused.Reason.Length > 0 ? $"{text}: {paused.Reason}" : text;
    }

    private static string Classified(FailureClassified classified)
    {
        var severity = classified.Hard ? "hard" : classified.Repeat > 1 ? $"{classified.Repeat} in a row" : "recoverable";
        return $"{classified.Key} ({classified.Source}, {severity}): {classified.Hint}";
    }

    private static string Failover(FailedOver failover)
    {
        static string Agent(string vendor, string model) => model.Length == 0 ? vendor : $"{vendor}/{model}";
        var commits = failover.CarriedCommits == 1 ? "1 commit" : failover.CarriedCommits.ToString(CultureInfo.InvariantCulture) + " commits";
        var text = $"{Agent(failover.FromVendor, failover.FromModel)} → {Agent(failover.ToVendor, failover.ToModel)}, carrying {commits}";
        return failover.Reason.Length > 0 ? $"{text}: {failover.Reason}" : text;
    }

    private static string AgentFinish(AgentFinished finished)
    {
        var facts = new List<string>(3);
        if (finished.HasExitCode)
        {
            facts.Add("exit " + finished.ExitCode.ToString(CultureInfo.InvariantCulture));
        }

        facts.Add(finished.CommitCount == 1 ? "1 commit" : finished.CommitCount.ToString(CultureInfo.InvariantCulture) + " commits");
        if (finished.Duration is not null)
        {
            facts.Add(Words.Duration(finished.Duration));
        }

        var text = $"{Words.Outcome(finished.Outcome)} ({string.Join(", ", facts)})";
        return finished.Error.Length > 0 ? $"{text}: {finished.Error}" : text;
    }

    private static string StageFinish(StageFinished finished)
    {
        var stage = Words.Stage(finished.Stage);
        // A failure the base commit shares arrives as passed (it does not count against the agent), but it did fail:
        // saying "passed" would hide a broken build or test suite from the operator.
        var verdict = finished.Passed && !finished.PreExisting ? "passed"
            : finished.TimedOut ? "timed out"
            : finished.HasExitCode ? string.Create(CultureInfo.InvariantCulture, $"failed (exit {finished.ExitCode})")
            : "failed";
        var text = finished.Duration is null ? $"{stage} {verdict}" : $"{stage} {verdict} in {Words.Duration(finished.Duration)}";
        return finished.PreExisting ? $"{text}, as on the base commit (not counted)" : text;
    }

    private static string Retry(RetryScheduled retry, TimeZoneInfo zone)
    {
        var text = "attempt " + retry.NextAttempt.ToString(CultureInfo.InvariantCulture);
        if (retry.NotBefore is not null)
        {
            text += " at " + Words.TimeOfDay(retry.NotBefore, zone);
        }

        if (retry.AttemptGivenBack)
        {
            text += " (the attempt is given back)";
        }

        return retry.Reason.Length > 0 ? $"{text} after: {retry.Reason}" : text;
    }

    private static string Worker(string name, string id) => string.IsNullOrEmpty(name) ? Words.OrDash(id) : name;
}
