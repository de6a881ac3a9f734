using Grpc.Testing;
using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;

namespace Rpc.EndToEnd.Tests;

/// <summary>
/// A client interceptor that adds a bearer token, a server interceptor that demands it (registered by type, activated
/// per call) and an outer server interceptor that logs each call's status (registered as an instance), on every call kind.
/// </summary>
public sealed class InterceptorTests
{
    private const string Token = "x";

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(CallKinds.All), MemberType = typeof(CallKinds))]
    public async Task Call_ClientInterceptorAddsToken_ServerAdmitsAndLogsOk(CallKind kind)
    {
        var log = new StatusLog();
        await using var server = await StartServerAsync(log);
        using var channel = RpcChannel.ForAddress(server.Address);
        var client = new TestService.TestServiceClient(channel.CreateCallInvoker().WithBearerToken(Token));

        var status = await CallKinds.RunAsync(client, kind, new CallOptions(CancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.OK, status.StatusCode);
        Assert.Equal(1, server.Probe.Calls);
        await Eventually.WaitUntilAsync(() => log.Entries.Count > 0, TimeSpan.FromSeconds(5), () => "the logging interceptor's entry");
        Assert.Equal([(CallKinds.MethodOf(kind), StatusCode.OK)], log.Entries);
    }

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(CallKinds.All), MemberType = typeof(CallKinds))]
    public async Task Call_WithoutToken_RejectedUnauthenticatedBeforeHandlerAndLogged(CallKind kind)
    {
        var log = new StatusLog();
        await using var server = await StartServerAsync(log);
        using var channel = RpcChannel.ForAddress(server.Address);
        var client = new TestService.TestServiceClient(channel);

        var status = await CallKinds.RunAsync(client, kind, new CallOptions(CancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(new Status(StatusCode.Unauthenticated, "A valid bearer token is required."), status);
        Assert.Equal(0, server.Probe.Calls);
        await Eventually.WaitUntilAsync(() => log.Entries.Count > 0, TimeSpan.FromSeconds(5), () => "the logging interceptor's entry");
        Assert.Equal([(CallKinds.MethodOf(kind), StatusCode.Unauthenticated)], log.Entries);
    }

    [Fact(Timeout = 20_000)]
    public async Task UnaryCall_WrongToken_RejectedUnauthenticated()
    {
        var log = new StatusLog();
        await using var server = await StartServerAsync(log);
        using var channel = RpcChannel.ForAddress(server.Address);
        var client = new TestService.TestServiceClient(channel.CreateCallInvoker().WithBearerToken("y"));

        var status = await CallKinds.RunAsync(client, CallKind.Unary, new CallOptions(CancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.Unauthenticated, status.StatusCode);
        Assert.Equal(0, server.Probe.Calls);
    }

    private static Task<TestServer> StartServerAsync(StatusLog log) =>
        TestServer.StartAsync(o =>
        {
            o.Interceptors.Add(new StatusLoggingInterceptor(log));
            o.Interceptors.Add<BearerAuthInterceptor>(Token);
        });
}
