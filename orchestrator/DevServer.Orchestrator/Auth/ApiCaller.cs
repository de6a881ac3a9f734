using Rpc;

namespace DevServer.Orchestrator.Auth;

/// <summary>Who made an authenticated call: the token's row and role.</summary>
internal sealed record ApiCaller(long TokenId, string TokenName, ApiRole Role)
{
    public bool IsWorker => Role == ApiRole.Worker;
}

internal static class ApiCallerExtensions
{
    /// <summary>The key under which <see cref="ApiAuthenticationInterceptor"/> puts the caller into <see cref="ServerCallContext.UserState"/>.</summary>
    internal static readonly object UserStateKey = typeof(ApiCaller);

    /// <summary>
    /// The authenticated caller of this call. Every service but health has one; throws when there is none (a health
    /// call, or a context the interceptor did not see).
    /// </summary>
    public static ApiCaller GetApiCaller(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(UserStateKey, out var value) && value is ApiCaller caller
            ? caller
            : throw new InvalidOperationException($"The call {context.Method} has no authenticated caller.");
    }
}
