using System.CommandLine;
using DevServer.Cli.Output;
using DevServer.Cli.Watching;
using DevServer.Contracts.Events.V1;

namespace DevServer.Cli.Commands;

/// <summary><c>devserver task events</c> (one task's history, optionally followed) and <c>devserver events</c> (all tasks, followed).</summary>
internal static class EventCommands
{
    public static Command BuildTaskEvents(CliApp app)
    {
        var id = Options.TaskId();
        var after = new Option<long>("--after") { Description = "Only events after this sequence number [default: 0, the whole history]", HelpName = "n" };
        var follow = Options.Flag("--follow", "Keep printing new events until Ctrl+C");
        var command = new Command("events", "Print a task's events.") { id, after, follow };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var taskId = context.Get(id);
            var output = context.Output;
            if (context.Get(follow))
            {
                var stream = new ReconnectingStream<WatchTaskEventsResponse>(context.Host.Reconnect, context.Host.TimeProvider)
                {
                    Open = (sequence, token) => context.Connection.Events.WatchTaskEvents(
                        new WatchTaskEventsRequest { TaskId = taskId, AfterSequence = sequence }, cancellationToken: token),
                    NumberOf = response => response.Event.Sequence,
                    OnMessage = response => WriteEvent(output, response.Event, withTask: false),
                    OnReconnecting = detail => output.Warn($"lost the event stream ({detail}); reconnecting"),
                };
                return await FollowUntilInterruptedAsync(stream, context.Get(after), cancellationToken);
            }

            var next = context.Get(after);
            while (true)
            {
                var page = await context.Connection.Events.ListTaskEventsAsync(
                    new ListTaskEventsRequest { TaskId = taskId, AfterSequence = next, PageSize = 1000 }, cancellationToken: cancellationToken);
                foreach (var taskEvent in page.Events)
                {
                    WriteEvent(output, taskEvent, withTask: false);
                    next = taskEvent.Sequence;
                }

                if (!page.More || page.Events.Count == 0)
                {
                    return ExitCodes.Success;
                }
            }
        });
        return command;
    }

    public static Command BuildAllEvents(CliApp app)
    {
        var after = new Option<long>("--after")
        {
            Description = "Start after this position; 0 prints the whole history [default: -1, only new events]",
            HelpName = "n",
            DefaultValueFactory = _ => -1,
        };
        var command = new Command("events", "Print the events of all tasks as they happen, until Ctrl+C.") { after };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var output = context.Output;
            var stream = new ReconnectingStream<WatchEventsResponse>(context.Host.Reconnect, context.Host.TimeProvider)
            {
                Open = (position, token) => context.Connection.Events.WatchEvents(
                    new WatchEventsRequest { AfterPosition = position }, cancellationToken: token),
                NumberOf = response => response.Event.Position,
                OnMessage = response => WriteEvent(output, response.Event, withTask: true),
                OnReconnecting = detail => output.Warn($"lost the event stream ({detail}); reconnecting"),
            };
            return await FollowUntilInterruptedAsync(stream, context.Get(after), cancellationToken);
        });
        return command;
    }

    private static void WriteEvent(CliOutput output, TaskEvent taskEvent, bool withTask)
    {
        if (output.Json)
        {
            output.WriteJson(taskEvent);
        }
        else if (output.Shows(taskEvent))
        {
            output.Out.WriteLine(EventFormatting.Line(taskEvent, output.TimeZone, withTask));
        }
    }

    /// <summary>Following ends only by Ctrl+C, which is its normal end: exit code 0.</summary>
    private static async Task<int> FollowUntilInterruptedAsync<T>(ReconnectingStream<T> stream, long start, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadAsync(start, cancellationToken);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or Rpc.RpcException)
        {
            // Interrupted: the expected way out.
        }

        return ExitCodes.Success;
    }
}
