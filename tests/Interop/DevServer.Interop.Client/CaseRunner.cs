using Rpc;

namespace DevServer.Interop.Client;

/// <summary>Runs cases in order and reports them the way the Node interop clients do.</summary>
internal static class CaseRunner
{
    /// <summary>
    /// Runs every case to completion, even after a failure: <c>PASS name (ms)</c> on stdout, <c>FAIL name: reason</c>
    /// on stderr, and a <c>N passed, M failed</c> line when more than one ran. Returns the number that failed.
    /// </summary>
    public static async Task<int> RunAsync(IReadOnlyList<InteropCase> cases, TimeProvider time, CancellationToken cancellationToken)
    {
        var failures = 0;
        foreach (var testCase in cases)
        {
            var started = time.GetTimestamp();
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                await testCase.RunAsync();
                var elapsed = time.GetElapsedTime(started);
                await Console.Out.WriteLineAsync($"PASS {testCase.Name} ({elapsed.TotalMilliseconds:F0} ms)".AsMemory(), cancellationToken);
            }
            catch (Exception ex)
            {
                failures++;
                await Console.Error.WriteLineAsync($"FAIL {testCase.Name}: {Describe(ex)}".AsMemory(), CancellationToken.None);
            }
        }

        if (cases.Count > 1)
        {
            await Console.Out.WriteLineAsync($"{cases.Count - failures} passed, {failures} failed".AsMemory(), CancellationToken.None);
        }

        return failures;
    }

    // Assertion failures and statuses explain themselves; anything else is a bug in the case or the runtime, so
    // keep its stack.
    private static string Describe(Exception ex) => ex switch
    {
        CheckFailedException check => check.Message,
        RpcException rpc => $"unexpected status {rpc.StatusCode} ({rpc.Status.Detail}) {rpc.Status.DebugException}",
        _ => ex.ToString(),
    };
}
