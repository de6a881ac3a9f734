using DevServer.Interop.Tests.Infrastructure;

namespace DevServer.Interop.Tests;

/// <summary>@grpc/grpc-js's interop client (tests/Interop/node/interop-client.mjs) against our server over h2c.</summary>
public sealed class GrpcJsClientTests(OurServerFixture server) : IClassFixture<OurServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCaseNames.Grpc), MemberType = typeof(InteropCaseNames))]
    public async Task OurServer_GrpcJsClientCase_Passes(string testCase)
    {
        var result = await InteropClients.RunNodeAsync("interop-client.mjs", server.Port, testCase, TestContext.Current.CancellationToken);

        InteropClients.AssertPassed(result, testCase, server);
    }
}
