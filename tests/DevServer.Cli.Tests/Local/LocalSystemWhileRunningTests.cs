using DevServer.Cli.Local;

namespace DevServer.Cli.Tests.Local;

/// <summary>
/// <see cref="LocalSystem.WhileRunningAsync{T}(IReadOnlyList{ChildProgram}, Func{CancellationToken, Task{T}}, TimeProvider, CancellationToken)"/>
/// with real child programs: a program that ends makes the work fail, and the program's end is what gets reported.
/// </summary>
public sealed class LocalSystemWhileRunningTests : IDisposable
{
    // How long the cancellation callback below holds its thread: long enough for the failed work to be reported.
    private static readonly TimeSpan ReportWindow = TimeSpan.FromSeconds(1);

    private readonly string _root = Directory.CreateTempSubdirectory("devserver-while-running-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task WhileRunningAsync_WorkFailsWhileItsCancellationIsStillRunning_ReportsTheProgramsEnd()
    {
        // As in `devserver demo` when the sidecar is killed: cancelling the work's token fails the work on another
        // thread (a gRPC read completing asynchronously) while the cancelling thread is still running the token's other
        // callbacks. Here that thread is held until the failure has been reported (or for ReportWindow), which makes the
        // rare interleaving CI once hit the only one.
        await using var dying = ChildProgram.Start(
            "dying program", new LocalProgram("sh", "/bin/sh"), ["-c", "echo started; sleep 0.3; kill -9 $$"],
            new Dictionary<string, string>(), Path.Combine(_root, "dying.log"), TimeSpan.FromSeconds(5));
        using var settled = new ManualResetEventSlim();

        var run = LocalSystem.WhileRunningAsync([dying], WorkAsync, TimeProvider.System, TestContext.Current.CancellationToken);
        _ = run.ContinueWith(_ => settled.Set(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var error = await Assert.ThrowsAsync<CliException>(() => run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.Equal(ExitCodes.Failure, error.ExitCode);
        Assert.Equal($"the dying program was ended by signal 9; the end of its log ({dying.LogFile}):\n    started", error.Message);

        async Task<int> WorkAsync(CancellationToken token)
        {
            using var noticed = new CancellationTokenSource();
            token.UnsafeRegister(
                _ =>
                {
                    noticed.Cancel();
                    settled.Wait(ReportWindow, CancellationToken.None);
                },
                null);
            await Task.Delay(Timeout.InfiniteTimeSpan, noticed.Token).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            return 0;
        }
    }
}
