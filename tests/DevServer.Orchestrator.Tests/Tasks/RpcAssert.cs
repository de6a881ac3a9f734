using Rpc;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>Assertions on how a call ends.</summary>
internal static class RpcAssert
{
    /// <summary>Runs <paramref name="call"/>, which must fail with <paramref name="expected"/>; returns the error for more checks.</summary>
    public static async Task<RpcException> FailsAsync(StatusCode expected, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == error.StatusCode, $"Expected {expected}, got {error.StatusCode}: {error.Status.Detail}");
        return error;
    }
}
