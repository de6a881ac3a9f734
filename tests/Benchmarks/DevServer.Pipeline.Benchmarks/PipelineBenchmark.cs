using System.Diagnostics;
using System.Globalization;
using System.Text;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Pipeline.Testing;
using Rpc;
using Rpc.Client;
using Rpc.Interceptors;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Pipeline.Benchmarks;

internal sealed record BenchmarkSettings(int Dispatches, int Watchers, int Events, int EventIntervalMs, int Tasks, int Sidecars, int Verifiers);

/// <summary>
/// Measures the pipeline from outside, as a client and as a third-party worker would see it:
/// <list type="bullet">
/// <item>dispatch latency: EnqueueTask called → a worker (this process, speaking the mesh protocol) holds the assignment;</item>
/// <item>event latency: the worker sends an output line → each of N watchers of that task has it (one clock: this process);</item>
/// <item>throughput: tasks through the full pipeline (script agent, verification) with real sidecars and verifiers;</item>
/// <item>orchestrator memory at rest and its peak under that load.</item>
/// </list>
/// </summary>
internal static class PipelineBenchmark
{
    /// <summary>DevServer (Python) pushes events through a NOTIFY → WebSocket fan-out measured at about this (spec §8).</summary>
    private const double ReferenceEventLatencyMs = 100;

    /// <summary>Dispatches and events sent before measuring, while tiered compilation settles.</summary>
    private const int WarmUpCount = 200;

    public static async Task<string> RunAsync(BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        await using var host = new PipelineHost("bench", typeof(PipelineBenchmark).Assembly);
        await host.StartOrchestratorAsync(cancellationToken);
        var repository = await SampleRepository.CreateAsync(host.Root, cancellationToken);
        await host.Repositories().AddRepositoryAsync(
            new AddRepositoryRequest { Name = "sample", Location = repository, Commands = new VerificationCommands { Test = "true" } },
            cancellationToken: cancellationToken);
        await host.Queue().UpdateQueueAsync(new UpdateQueueRequest { MaxConcurrency = 10 }, cancellationToken: cancellationToken);

        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var atRest = Memory.Read(host.Orchestrator!.Id);
        Progress($"orchestrator at rest: {atRest.ResidentMiB:F0} MiB");

        var (dispatch, events) = await MeasureLatenciesAsync(host, settings, cancellationToken);
        var (tasksPerSecond, wall, peak) = await MeasureThroughputAsync(host, settings, cancellationToken);

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| figure | DevServer (this) | reference | ratio |");
        table.AppendLine("|---|---:|---:|---:|");
        table.AppendLine(CultureInfo.InvariantCulture, $"| dispatch latency p50 / p99 ({settings.Dispatches} tasks) | {dispatch.P50:F1} / {dispatch.P99:F1} ms | — | — |");
        table.AppendLine(CultureInfo.InvariantCulture,
            $"| event latency p50 / p99 ({settings.Watchers} watchers × {settings.Events} events, one every {settings.EventIntervalMs} ms) | {events.P50:F2} / {events.P99:F2} ms | ~{ReferenceEventLatencyMs:F0} ms (DevServer, Python) | {ReferenceEventLatencyMs / events.P99:F0}× faster at p99 |");
        table.AppendLine(CultureInfo.InvariantCulture,
            $"| throughput, {settings.Tasks} tasks end to end ({settings.Sidecars} sidecars, {settings.Verifiers} verifiers, concurrency 10) | {tasksPerSecond:F1} tasks/s ({wall.TotalSeconds:F1} s) | — | — |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| orchestrator memory at rest / peak under load | {atRest.ResidentMiB:F0} / {peak:F0} MiB | — | — |");
        return table.ToString();
    }

    private static async Task<(Percentiles Dispatch, Percentiles Events)> MeasureLatenciesAsync(
        PipelineHost host, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        using var channel = RpcChannel.ForAddress(host.Address);
        var workerToken = (await File.ReadAllTextAsync(Path.Combine(host.DataDirectory, "worker.token"), cancellationToken)).Trim();
        var mesh = new MeshService.MeshServiceClient(channel.CreateCallInvoker().Intercept(m =>
        {
            m.Add("authorization", $"Bearer {workerToken}");
            return m;
        }));
        using var call = mesh.Connect(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new ConnectRequest
        {
            Hello = new Hello { WorkerId = Guid.NewGuid().ToString(), Name = "bench-worker", Kind = WorkerKind.Vendor, Vendor = "bench", Capacity = 1 },
        }, cancellationToken);
        await call.ResponseStream.MoveNext(cancellationToken);
        var heartbeat = call.ResponseStream.Current.Welcome.HeartbeatInterval.ToTimeSpan();
        using var writes = new SemaphoreSlim(1);
        using var stopHeartbeats = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = new LockedWriter(call.RequestStream, writes);
        var heartbeats = SendHeartbeatsAsync(writer, heartbeat, stopHeartbeats.Token);

        var tasks = host.Tasks();
        var dispatch = new List<double>();
        // The first dispatches run while the JIT is still compiling the hot paths; a long-running orchestrator is warm.
        for (var i = 0; i < WarmUpCount + settings.Dispatches; i++)
        {
            var created = await tasks.CreateTaskAsync(
                new CreateTaskRequest { Repository = "sample", Title = $"dispatch {i}", Vendor = "bench", MaxAttempts = 1 }, cancellationToken: cancellationToken);
            var started = Stopwatch.GetTimestamp();
            await tasks.EnqueueTaskAsync(new EnqueueTaskRequest { Id = created.Task.Id }, cancellationToken: cancellationToken);
            Assignment assignment;
            using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                bounded.CancelAfter(TimeSpan.FromSeconds(30));
                try
                {
                    assignment = await NextAssignmentAsync(call.ResponseStream, bounded.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"Task {created.Task.Id} was not assigned within 30 s.\n{host.Orchestrator!.StandardOutput}");
                }
            }

            if (i >= WarmUpCount)
            {
                dispatch.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (i < WarmUpCount + settings.Dispatches - 1)
            {
                await FinishAsync(writer, assignment, 0, cancellationToken);
            }
            else
            {
                // The last assignment stays open: its task carries the event-latency run.
                var latencies = await MeasureEventsAsync(host, writer, assignment, settings, cancellationToken);
                await FinishAsync(writer, assignment, WarmUpCount + settings.Events, cancellationToken);
                // Leave only once the result is stored, or the task would wait for this worker's lease to run out.
                while (await call.ResponseStream.MoveNext(cancellationToken)
                       && call.ResponseStream.Current.Acknowledgement is not { ResultStored: true })
                {
                }

                await stopHeartbeats.CancelAsync();
                await heartbeats;
                await call.RequestStream.CompleteAsync();
                return (Percentiles.Of(dispatch), Percentiles.Of(latencies));
            }
        }

        throw new InvalidOperationException("At least one dispatch is needed.");
    }

    private static async Task<List<double>> MeasureEventsAsync(
        PipelineHost host, LockedWriter writer, Assignment assignment,
        BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var events = host.Events();
        var current = (await host.Tasks().GetTaskAsync(new GetTaskRequest { Id = assignment.TaskId }, cancellationToken: cancellationToken)).Task.LastEventSequence;
        var watchers = new List<Task<List<double>>>();
        var subscribed = new CountdownEvent(settings.Watchers);
        for (var w = 0; w < settings.Watchers; w++)
        {
            watchers.Add(Task.Run(async () =>
            {
                var latencies = new List<double>(settings.Events);
                using var watch = events.WatchTaskEvents(new WatchTaskEventsRequest { TaskId = assignment.TaskId, AfterSequence = current }, cancellationToken: cancellationToken);
                await watch.ResponseHeadersAsync;
                subscribed.Signal();
                while (latencies.Count < settings.Events && await watch.ResponseStream.MoveNext(cancellationToken))
                {
                    if (watch.ResponseStream.Current.Event.OutputLine is { } line && long.TryParse(line.Text, out var sent))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    }
                }

                return latencies;
            }, cancellationToken));
        }

        subscribed.Wait(cancellationToken);
        // Give every watch time to finish its history read and go live.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        Progress($"{settings.Watchers} watchers live; sending {WarmUpCount} warm-up events, then {settings.Events} measured ones");
        for (var i = 1; i <= WarmUpCount + settings.Events; i++)
        {
            // Warm-up lines carry no timestamp, so the watchers do not count them.
            var text = i <= WarmUpCount ? "warm-up" : Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture);
            var workEvent = new WorkEvent { Sequence = i, OutputLine = new OutputLine { Source = OutputSource.Agent, Text = text } };
            await writer.WriteAsync(new ConnectRequest { Events = new WorkEvents { AssignmentId = assignment.AssignmentId, Events = { workEvent } } }, cancellationToken);
            await Task.Delay(settings.EventIntervalMs, cancellationToken);
        }

        var all = new List<double>();
        foreach (var watcher in watchers)
        {
            all.AddRange(await watcher);
        }

        return all;
    }

    private static async Task<(double TasksPerSecond, TimeSpan Wall, double PeakMiB)> MeasureThroughputAsync(
        PipelineHost host, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        for (var i = 0; i < settings.Sidecars; i++)
        {
            host.StartScriptSidecar($"sidecar-{i}", "echo done >> greeting.txt");
        }

        for (var i = 0; i < settings.Verifiers; i++)
        {
            host.StartVerifier($"verifier-{i}");
        }

        var queue = host.Queue();
        while ((await queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: cancellationToken)).Workers.Count(w => w.Connected && w.Vendor != "bench")
               < settings.Sidecars + settings.Verifiers)
        {
            await Task.Delay(200, cancellationToken);
        }

        Progress($"throughput: {settings.Tasks} tasks");
        var tasks = host.Tasks();
        var started = Stopwatch.GetTimestamp();
        var peak = 0.0;
        for (var i = 0; i < settings.Tasks; i++)
        {
            await tasks.CreateTaskAsync(new CreateTaskRequest { Repository = "sample", Title = $"throughput {i}", Enqueue = true }, cancellationToken: cancellationToken);
        }

        while (true)
        {
            var state = (await queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: cancellationToken)).Queue;
            peak = Math.Max(peak, Memory.Read(host.Orchestrator!.Id).PeakMiB);
            if (state.Queued == 0 && state.Active == 0)
            {
                break;
            }

            await Task.Delay(100, cancellationToken);
        }

        var wall = Stopwatch.GetElapsedTime(started);
        var done = 0;
        var page = await tasks.ListTasksAsync(new ListTasksRequest { Statuses = { TaskStatus.Done }, PageSize = 200 }, cancellationToken: cancellationToken);
        done += page.Tasks.Count(t => t.Title.StartsWith("throughput", StringComparison.Ordinal));
        Progress($"throughput: {done} done of {settings.Tasks} in {wall.TotalSeconds:F1} s");
        return (settings.Tasks / wall.TotalSeconds, wall, peak);
    }

    private static async Task<Assignment> NextAssignmentAsync(IAsyncStreamReader<ConnectResponse> responses, CancellationToken cancellationToken)
    {
        while (await responses.MoveNext(cancellationToken))
        {
            if (responses.Current.Assignment is { } assignment)
            {
                return assignment;
            }
        }

        throw new InvalidOperationException("The orchestrator closed the mesh stream.");
    }

    /// <summary>A worker that stops sending heartbeats loses its lease and its assignments, as any worker would.</summary>
    private static async Task SendHeartbeatsAsync(LockedWriter writer, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await writer.WriteAsync(new ConnectRequest { Heartbeat = new Heartbeat() }, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static Task FinishAsync(LockedWriter requests, Assignment assignment, long lastEvent, CancellationToken cancellationToken) =>
        requests.WriteAsync(new ConnectRequest
        {
            Result = new WorkResult
            {
                AssignmentId = assignment.AssignmentId,
                LastEventSequence = lastEvent,
                Agent = new AgentResult { Outcome = AgentOutcome.Failed, Error = "benchmark assignment" },
            },
        }, cancellationToken);

    private static void Progress(string message) => Console.Error.WriteLine(message);
}

/// <summary>The mesh stream's writer shared by the heartbeat loop and the benchmark (a stream writer is not thread-safe).</summary>
internal sealed class LockedWriter(IClientStreamWriter<ConnectRequest> writer, SemaphoreSlim gate)
{
    public async Task WriteAsync(ConnectRequest request, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await writer.WriteAsync(request, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }
}

internal readonly record struct Percentiles(double P50, double P99)
{
    public static Percentiles Of(List<double> values)
    {
        if (values.Count == 0)
        {
            return new Percentiles(double.NaN, double.NaN);
        }

        values.Sort();
        return new Percentiles(values[(int)(values.Count * 0.50)], values[Math.Min(values.Count - 1, (int)(values.Count * 0.99))]);
    }
}

/// <summary>A process's resident memory now and at its peak, from /proc (VmRSS, VmHWM).</summary>
internal readonly record struct Memory(double ResidentMiB, double PeakMiB)
{
    public static Memory Read(int processId)
    {
        double Field(string[] lines, string name) =>
            lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) is { } line
                ? double.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024
                : double.NaN;
        var status = File.ReadAllLines($"/proc/{processId}/status");
        return new Memory(Field(status, "VmRSS:"), Field(status, "VmHWM:"));
    }
}
