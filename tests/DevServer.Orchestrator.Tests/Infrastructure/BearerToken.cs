using Rpc;
using Rpc.Interceptors;

namespace DevServer.Orchestrator.Tests.Infrastructure;

/// <summary>Client side: <c>authorization: Bearer {token}</c> on every call, with the runtime's own header interceptor.</summary>
internal static class BearerToken
{
    public static CallInvoker WithBearerToken(this CallInvoker invoker, string token) =>
        invoker.Intercept(headers =>
        {
            headers.Add("authorization", "Bearer " + token);
            return headers;
        });
}
