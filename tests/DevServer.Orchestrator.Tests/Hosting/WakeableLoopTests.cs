using System.Threading.Channels;
using DevServer.Orchestrator.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>
/// What a failed round does to a <see cref="WakeableLoop"/>: an expected failure is logged and the loop goes on; an
/// exception that escapes would end the loop and stop the whole orchestrator.
/// </summary>
public sealed class WakeableLoopTests
{
    private const int TimeoutMs = 30_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task Round_SendsOnAClosedWorkerConnection_LoopRunsTheNextRound()
    {
        var ct = TestContext.Current.CancellationToken;
        using var loop = new ClosedConnectionLoop();

        await loop.StartAsync(ct);
        loop.Wake();
        var rounds = await loop.SecondRound.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await loop.StopAsync(ct);

        Assert.Equal(2, rounds);
        Assert.False(loop.ExecuteTask!.IsFaulted, loop.ExecuteTask.Exception?.ToString());
    }

    /// <summary>
    /// Its first round writes to a completed channel, as AssignmentDelivery does when a worker's connection closed
    /// between the round's registry lookup and its send (MeshApi closes the connection before removing it).
    /// </summary>
    private sealed class ClosedConnectionLoop() : WakeableLoop(NullLogger.Instance, safetyInterval: TimeSpan.FromMilliseconds(100))
    {
        private readonly Channel<int> _closedConnection = Channel.CreateUnbounded<int>();
        private int _rounds;

        public TaskCompletionSource<int> SecondRound { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override Task StartingAsync(CancellationToken cancellationToken)
        {
            _closedConnection.Writer.Complete();
            return Task.CompletedTask;
        }

        protected override async Task RunRoundAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _rounds) == 1)
            {
                await _closedConnection.Writer.WriteAsync(1, cancellationToken);
            }
            else
            {
                SecondRound.TrySetResult(_rounds);
            }
        }
    }
}
