using System.Net;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class RoutingTests
{
    [Fact(Timeout = 30_000)]
    public async Task UnknownService_GrpcContentType_TrailersOnlyUnimplemented()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/nope.Missing/Call", Frames.Text("x"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal(12, response.GrpcStatus);
        Assert.Equal("Service is unimplemented.", response.GrpcMessage);
        Assert.Equal("application/grpc", response.Header("content-type"));
    }

    [Fact(Timeout = 30_000)]
    public async Task UnknownMethod_KnownService_TrailersOnlyUnimplemented()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Missing", Frames.Text("x"));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(12, response.GrpcStatus);
        Assert.Equal("Method is unimplemented.", response.GrpcMessage);
    }

    [Fact(Timeout = 30_000)]
    public async Task MethodPath_WrongCase_Unimplemented()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.tester/echo", Frames.Text("x"));

        Assert.Equal(12, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task UnimplementedOnBase_HandlerNotOverridden_ReturnsUnimplementedStatus()
    {
        await using var host = await RpcTestHost.StartAsync(
            mapServices: app => app.MapRpcService<MinimalTester>());

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Count", Frames.Text("1"));

        Assert.Equal(12, response.GrpcStatus);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/grpcx")]
    public async Task GrpcEndpoint_NonGrpcContentType_Returns415(string contentType)
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("x"), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(13, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task GrpcEndpoint_NoContentType_Returns415()
    {
        await using var host = await RpcTestHost.StartAsync();
        var request = RawCalls.Prepare(host.Http2, new HttpRequestMessage(HttpMethod.Post, "/test.Tester/Echo") { Content = new ByteArrayContent(Frames.Text("x")) });

        using var response = await host.Http2.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task GrpcEndpoint_GetRequest_Returns405()
    {
        await using var host = await RpcTestHost.StartAsync();
        var request = RawCalls.Prepare(host.Http2, new HttpRequestMessage(HttpMethod.Get, "/test.Tester/Echo"));

        using var response = await host.Http2.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task UnknownPath_NonGrpcRequest_Returns404()
    {
        await using var host = await RpcTestHost.StartAsync();
        var request = RawCalls.Prepare(host.Http2, new HttpRequestMessage(HttpMethod.Post, "/some/page") { Content = new StringContent("{}") });

        using var response = await host.Http2.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task GrpcOverHttp11_NotWeb_Returns426()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http1, "/test.Tester/Echo", Frames.Text("x"));

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal(13, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task GrpcWebRequest_ServiceWithoutGrpcWeb_Returns415()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http1, "/test.Plain/Echo", Frames.Text("x"), "application/grpc-web+proto");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task SecondService_MappedSideBySide_ServesItsOwnMethods()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Plain/Echo", Frames.Text("x"));

        Assert.Equal(["plain:x"], response.Texts);
    }

    /// <summary>Overrides nothing: every method falls back to the base's UNIMPLEMENTED.</summary>
    private sealed class MinimalTester : Tester.TesterBase;
}
