using DevServer.Interop.Tests.Infrastructure;

namespace DevServer.Interop.Tests;

/// <summary>Our interop client over h2c against @grpc/grpc-js's interop server (tests/Interop/node/interop-server.mjs).</summary>
public sealed class GrpcJsServerTests(GrpcJsServerFixture server) : IClassFixture<GrpcJsServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCaseNames.Grpc), MemberType = typeof(InteropCaseNames))]
    public async Task OurClient_AgainstGrpcJsServer_Passes(string testCase)
    {
        var result = await InteropClients.RunOursAsync(server.Port, testCase, "h2", TestContext.Current.CancellationToken);

        InteropClients.AssertPassed(result, testCase, server);
    }
}
