using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Processes;
using DevServer.Verifier.Sandbox;
using DevServer.Vendors.Core.Mesh;

namespace DevServer.Verifier;

/// <summary>How one stage ended.</summary>
/// <param name="Passed">It exited with 0.</param>
/// <param name="ExitCode">Its exit code, when it exited on its own (not stopped at its time limit or by cancellation).</param>
/// <param name="TimedOut">It was stopped at its time limit.</param>
/// <param name="Cancelled">It was stopped because the verification was cancelled.</param>
/// <param name="OutputTail">The end of its output.</param>
/// <param name="Duration">How long it ran.</param>
internal sealed record StageOutcome(bool Passed, int? ExitCode, bool TimedOut, bool Cancelled, string OutputTail, TimeSpan Duration)
{
    /// <summary>The StageFinished event for this outcome; <paramref name="preExisting"/> turns a failure the base commit shares into a pass.</summary>
    public StageFinished ToEvent(StageKind stage, bool preExisting = false)
    {
        var finished = new StageFinished
        {
            Stage = stage,
            Passed = Passed || preExisting,
            PreExisting = preExisting,
            TimedOut = TimedOut,
            Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Duration),
        };
        if (ExitCode is { } code)
        {
            finished.ExitCode = code;
        }

        return finished;
    }
}

/// <summary>
/// Runs one stage's command with <c>/bin/sh -c</c> in the checkout, with a scrubbed environment (the repository's
/// commands are the agent's work: they must not see the verifier's tokens), and reports its start, every output
/// line (the caller reports its end, once it knows whether a failure was already there). At its time limit or on cancellation the stage's process tree is stopped (interrupt, then kill).
/// In a <see cref="StageSandbox"/> the stage's first line, the worker's, says so.
/// </summary>
internal sealed class StageRunner(TimeProvider timeProvider, StageSandbox sandbox)
{
    public async Task<StageOutcome> RunAsync(
        VerificationStage stage, string checkout, IWorkReporter reporter, CancellationToken cancellationToken, string detectedFrom = "")
    {
        reporter.Report(new WorkEvent { StageStarted = new StageStarted { Stage = stage.Kind, Command = stage.Command, DetectedFrom = detectedFrom } });
        var tail = new OutputTail();
        var timeout = stage.Timeout?.ToTimeSpan() is { } limit && limit > TimeSpan.Zero ? limit : Timeout.InfiniteTimeSpan;
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        if (sandbox.Banner is { } banner)
        {
            // The worker's line, not the stage's: it stays out of the output tail that baseline checks compare.
            reporter.Report(new WorkEvent { OutputLine = new OutputLine { Source = OutputSource.Worker, Stage = stage.Kind, Text = banner } });
        }

        var spec = sandbox.SpecFor(stage.Command, checkout);

        // Started rather than run: disposing it also kills what the stage left behind in its process group (a server a
        // test forgot to stop), so nothing outlives its stage.
        await using var running = ProcessRunner.Start(spec, line =>
        {
            tail.Append(line.Text);
            reporter.Report(new WorkEvent
            {
                OutputLine = new OutputLine
                {
                    Source = OutputSource.Verifier,
                    Stage = stage.Kind,
                    Stderr = line.IsStandardError,
                    Text = OutputText.CutToBytes(line.Text, OutputText.MaxLineBytes),
                },
            });
        });
        ProcessExit exit;
        try
        {
            exit = await running.WaitForExitAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            exit = await running.StopAsync(CancellationToken.None);
        }

        var cancelled = exit.Cancelled && cancellationToken.IsCancellationRequested;
        var timedOut = exit.Cancelled && !cancelled;
        return new StageOutcome(
            Passed: !exit.Cancelled && exit.ExitCode == 0,
            ExitCode: exit.Cancelled ? null : exit.ExitCode,
            TimedOut: timedOut,
            Cancelled: cancelled,
            OutputTail: tail.ToString(),
            Duration: exit.Duration);
    }
}
