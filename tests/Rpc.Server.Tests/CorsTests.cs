using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class CorsTests
{
    private const string Origin = "https://app.example";

    private static Task<RpcTestHost> StartWithCorsAsync() => RpcTestHost.StartAsync(
        configureBuilder: b => b.Services.AddCors(o => o.AddPolicy("web", p => p.WithOrigins(Origin).WithRpcWebHeaders())),
        configureApp: app => app.UseCors(),
        mapServices: app => app.MapRpcService<TesterService>().EnableGrpcWeb().RequireCors("web"));

    [Fact(Timeout = 30_000)]
    public async Task Preflight_GrpcWebHeaders_Allowed()
    {
        await using var host = await StartWithCorsAsync();
        var request = RawCalls.Prepare(host.Http1, new HttpRequestMessage(HttpMethod.Options, "/test.Tester/Echo"));
        request.Headers.Add("Origin", Origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-grpc-web,x-user-agent,grpc-timeout");

        using var response = await host.Http1.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Origin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowed = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        foreach (var header in new[] { "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout" })
        {
            Assert.Contains(header, allowed, StringComparison.Ordinal);
        }

        Assert.Contains("POST", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Preflight_OtherOrigin_NotAllowed()
    {
        await using var host = await StartWithCorsAsync();
        var request = RawCalls.Prepare(host.Http1, new HttpRequestMessage(HttpMethod.Options, "/test.Tester/Echo"));
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await host.Http1.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact(Timeout = 30_000)]
    public async Task ActualRequest_FromAllowedOrigin_ExposesGrpcHeaders()
    {
        await using var host = await StartWithCorsAsync();

        var response = await RawCalls.CallAsync(host.Http1, "/test.Tester/Echo", Frames.Text("x"), "application/grpc-web+proto", r =>
            r.Headers.Add("Origin", Origin));

        Assert.Equal(Origin, response.Header("access-control-allow-origin"));
        var exposed = response.Header("access-control-expose-headers")!.ToLowerInvariant();
        foreach (var header in new[] { "grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding" })
        {
            Assert.Contains(header, exposed, StringComparison.Ordinal);
        }

        Assert.Equal(["x"], response.Texts);
    }
}
