using System.Globalization;
using DevServer.Cli.Connection;
using DevServer.Cli.Output;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Watching;

/// <summary>
/// Follows one task to its end: prints its events (history first, then live), keeps a status line on a terminal,
/// rides out orchestrator restarts, and answers with the exit code of the task's final status.
/// </summary>
internal sealed class TaskWatcher(CliHost host, CliOutput output, OrchestratorConnection connection)
{
    public async Task<int> WatchAsync(long taskId, CancellationToken cancellationToken)
    {
        var clock = host.TimeProvider;
        var first = await connection.Tasks.GetTaskAsync(new GetTaskRequest { Id = taskId }, cancellationToken: cancellationToken);
        var state = new WatchState(first.Task, clock.GetUtcNow());
        AgentTask? final = null;
        using (var lines = new StatusLine(output.Out, clock, () => state.Render(clock.GetUtcNow()), output.IsTerminal, host.TerminalWidth()))
        {
            var stream = new ReconnectingStream<WatchTaskEventsResponse>(host.Reconnect, clock)
            {
                Open = (after, token) => connection.Events.WatchTaskEvents(
                    new WatchTaskEventsRequest { TaskId = taskId, AfterSequence = after, UntilFinished = true },
                    cancellationToken: token),
                NumberOf = response => response.Event.Sequence,
                OnMessage = response =>
                {
                    state.Apply(response.Event);
                    if (output.Shows(response.Event))
                    {
                        lines.WriteLine(output.Json ? CliOutput.FormatJson(response.Event) : EventFormatting.Line(response.Event, output.TimeZone));
                    }
                },
                IsOverAtEnd = async token =>
                {
                    // The server ends the stream when the task finished; a stream that ended for another reason
                    // (an orchestrator shutting down) resumes after the last event.
                    var current = await connection.Tasks.GetTaskAsync(new GetTaskRequest { Id = taskId }, cancellationToken: token);
                    final = current.Task;
                    return ExitCodes.IsFinal(current.Task.Status);
                },
                OnReconnecting = detail => output.Warn($"lost the event stream of task {taskId} ({detail}); reconnecting"),
            };
            await stream.ReadAsync(0, cancellationToken);
        }

        var task = final!;
        if (!output.Json)
        {
            var reason = task.StatusReason.Length > 0 ? ": " + task.StatusReason : "";
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Task {task.Id} {Words.Status(task.Status)}{reason}"));
        }

        return ExitCodes.FromTaskStatus(task.Status);
    }

    /// <summary>What the status line shows, kept up to date from the events.</summary>
    internal sealed class WatchState(AgentTask task, DateTimeOffset now)
    {
        public TaskStatus Status { get; private set; } = task.Status;

        public int Attempt { get; private set; } = task.AttemptsUsed;

        public DateTimeOffset StatusSince { get; private set; } = now;

        public void Apply(TaskEvent taskEvent)
        {
            if (taskEvent.Attempt > 0)
            {
                Attempt = taskEvent.Attempt;
            }

            if (taskEvent.KindCase == TaskEvent.KindOneofCase.StatusChanged)
            {
                Status = taskEvent.StatusChanged.To;
                StatusSince = taskEvent.Time?.ToDateTimeOffset() ?? StatusSince;
            }
        }

        /// <summary><c>task 12 · running · attempt 1 · 00:42</c> (time in the current status).</summary>
        public string Render(DateTimeOffset now)
        {
            var attempt = Attempt > 0 ? string.Create(CultureInfo.InvariantCulture, $" · attempt {Attempt}") : "";
            return string.Create(CultureInfo.InvariantCulture, $"task {task.Id} · {Words.Status(Status)}{attempt} · {Words.Clock(now - StatusSince)}");
        }
    }
}
