using System.Diagnostics;
using Rpc;
using Rpc.Interceptors;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>
/// Turns a unary call's Unavailable from an orchestrator process that has exited into a failure that says so, with its
/// exit code and the tail of its output: "Connection refused" alone cannot tell a crash from a stop a background
/// service caused, and a shared orchestrator (a class fixture) that stopped by itself fails every later test that way.
/// </summary>
internal sealed class ExitedOrchestratorInterceptor(OrchestratorProcess orchestrator) : Interceptor
{
    /// <summary>How long a refused call waits for the process to finish exiting (it stops listening before it exits).</summary>
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(10);

    private const int TailLines = 40;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(ExplainAsync(call.ResponseAsync), new ForwardedState<TResponse>(call));
    }

    private async Task<TResponse> ExplainAsync<TResponse>(Task<TResponse> response)
    {
        try
        {
            return await response;
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.Unavailable)
        {
            if (!await HasExitedAsync())
            {
                throw;
            }

            var result = await orchestrator.Process.WaitForExitAsync(ExitWait, CancellationToken.None);
            throw new InvalidOperationException(
                $"The orchestrator process has exited (exit code {result.ExitCode}); the call failed with: {exception.Message}\n" +
                $"--- orchestrator stdout (last {TailLines} lines) ---\n{Tail(result.StandardOutput)}\n" +
                $"--- orchestrator stderr (last {TailLines} lines) ---\n{Tail(result.StandardError)}",
                exception);
        }
    }

    /// <summary>Polls without touching the process: a live but slow orchestrator must not be killed by a wait.</summary>
    private async Task<bool> HasExitedAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ExitWait)
        {
            try
            {
                using var process = Process.GetProcessById(orchestrator.Process.Id);
                if (process.HasExited)
                {
                    return true;
                }
            }
            catch (ArgumentException)
            {
                return true; // No such process any more.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        }

        return false;
    }

    private static string Tail(string output) =>
        string.Join('\n', output.Split('\n').TakeLast(TailLines));

    private sealed class ForwardedState<TResponse>(AsyncUnaryCall<TResponse> call) : ICallState
    {
        public Task<Metadata> ResponseHeadersAsync => call.ResponseHeadersAsync;

        public Status GetStatus() => call.GetStatus();

        public Metadata GetTrailers() => call.GetTrailers();

        public void Dispose() => call.Dispose();
    }
}
