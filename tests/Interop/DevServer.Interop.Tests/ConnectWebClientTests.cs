using DevServer.Interop.Tests.Infrastructure;

namespace DevServer.Interop.Tests;

/// <summary>
/// @connectrpc/connect's gRPC-Web client (tests/Interop/node/web-client.mjs: binary through connect, text by hand)
/// against our server's gRPC-Web port (HTTP/1.1).
/// </summary>
public sealed class ConnectWebClientTests(OurServerFixture server) : IClassFixture<OurServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCaseNames.ConnectWebClient), MemberType = typeof(InteropCaseNames))]
    public async Task OurServerWebPort_ConnectWebClientCase_Passes(string testCase)
    {
        var result = await InteropClients.RunNodeAsync("web-client.mjs", server.WebPort!.Value, testCase, TestContext.Current.CancellationToken);

        InteropClients.AssertPassed(result, testCase, server);
    }
}
