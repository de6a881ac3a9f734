using DevServer.Interop.Tests.Infrastructure;

namespace DevServer.Interop.Tests;

/// <summary>
/// Our interop client in gRPC-Web mode against @connectrpc/connect's gRPC-Web server (tests/Interop/node/web-server.mjs);
/// its text mode goes through the server's base64 shim, which pads mid-stream.
/// </summary>
public sealed class ConnectWebServerTests(ConnectWebServerFixture server) : IClassFixture<ConnectWebServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCaseNames.Web), MemberType = typeof(InteropCaseNames))]
    public async Task OurWebClient_AgainstConnectWebServer_Passes(string testCase)
    {
        var result = await InteropClients.RunOursAsync(server.Port, testCase, "web", TestContext.Current.CancellationToken);

        InteropClients.AssertPassed(result, testCase, server);
    }

    [Theory]
    [MemberData(nameof(InteropCaseNames.Web), MemberType = typeof(InteropCaseNames))]
    public async Task OurWebTextClient_AgainstConnectWebServer_Passes(string testCase)
    {
        var result = await InteropClients.RunOursAsync(server.Port, testCase, "web_text", TestContext.Current.CancellationToken);

        InteropClients.AssertPassed(result, testCase, server);
    }
}
