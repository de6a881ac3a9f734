using System.CommandLine;
using DevServer.Cli.Output;
using DevServer.Contracts.Queue.V1;

namespace DevServer.Cli.Commands;

/// <summary><c>devserver queue [pause|resume|concurrency n]</c> and <c>devserver workers</c>.</summary>
internal static class QueueCommands
{
    public static Command BuildQueue(CliApp app)
    {
        var queue = new Command("queue", "Show the dispatch queue; pause, resume or limit it.");
        app.Handle(queue, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: cancellationToken);
            context.Output.Write(response.Queue, () => QueueFormatting.State(response.Queue));
            return ExitCodes.Success;
        });

        var pause = new Command("pause", "Stop dispatching new work (running work goes on).");
        app.Handle(pause, (context, cancellationToken) => UpdateAsync(context, new UpdateQueueRequest { Paused = true }, cancellationToken));
        queue.Add(pause);

        var resume = new Command("resume", "Dispatch again.");
        app.Handle(resume, (context, cancellationToken) => UpdateAsync(context, new UpdateQueueRequest { Paused = false }, cancellationToken));
        queue.Add(resume);

        var limit = Options.RangeArgument("n", 1, 10, "Tasks that may run or verify at once (1–10)", "the concurrency limit");
        var concurrency = new Command("concurrency", "Set how many tasks may run at once.") { limit };
        app.Handle(concurrency, (context, cancellationToken) =>
            UpdateAsync(context, new UpdateQueueRequest { MaxConcurrency = context.Get(limit) }, cancellationToken));
        queue.Add(concurrency);
        return queue;
    }

    public static Command BuildWorkers(CliApp app)
    {
        var workers = new Command("workers", "List the workers known to the mesh, connected ones first.");
        app.Handle(workers, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: cancellationToken);
            context.Output.Write(response, () => QueueFormatting.Workers(response.Workers, context.Output.TimeZone));
            return ExitCodes.Success;
        });
        return workers;
    }

    private static async Task<int> UpdateAsync(CommandContext context, UpdateQueueRequest request, CancellationToken cancellationToken)
    {
        var response = await context.Connection.Queue.UpdateQueueAsync(request, cancellationToken: cancellationToken);
        context.Output.Write(response.Queue, () => QueueFormatting.State(response.Queue));
        return ExitCodes.Success;
    }
}
