using Microsoft.AspNetCore.Http;
using Rpc.Server.Calls;

namespace Rpc.Server;

public static class ServerCallContextExtensions
{
    /// <summary>The ASP.NET Core request behind a call served by this server.</summary>
    public static HttpContext GetHttpContext(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context is ServerCall call
            ? call.HttpContext
            : throw new InvalidOperationException(
                "This ServerCallContext was not created by Rpc.Server; interceptors must pass on the context they receive.");
    }
}
