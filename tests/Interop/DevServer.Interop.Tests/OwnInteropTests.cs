using DevServer.Interop.Tests.Infrastructure;

namespace DevServer.Interop.Tests;

/// <summary>
/// Our interop client against our interop server, over every transport: the sanity rows. They prove less than the
/// rows against the Node peers (both sides share Rpc.Core), but a failure here alone points at our own pairing.
/// </summary>
public sealed class OwnInteropTests(OurServerFixture server) : IClassFixture<OurServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCaseNames.Grpc), MemberType = typeof(InteropCaseNames))]
    public async Task OurClient_AgainstOurServerOverH2c_Passes(string testCase)
    {
        var result = await InteropClients.RunOursAsync(server.Port, testCase, "h2", TestContext.Current.CancellationToken);

        InteropClients.AssertPassed(result, testCase, server);
    }

    [Theory]
    [MemberData(nameof(InteropCaseNames.Web), MemberType = typeof(InteropCaseNames))]
    public async Task OurClient_AgainstOurServerOverGrpcWeb_Passes(string testCase)
    {
        var result = await InteropClients.RunOursAsync(server.WebPort!.Value, testCase, "web", TestContext.Current.CancellationToken);

        InteropClients.AssertPassed(result, testCase, server);
    }

    [Theory]
    [MemberData(nameof(InteropCaseNames.Web), MemberType = typeof(InteropCaseNames))]
    public async Task OurClient_AgainstOurServerOverGrpcWebText_Passes(string testCase)
    {
        var result = await InteropClients.RunOursAsync(server.WebPort!.Value, testCase, "web_text", TestContext.Current.CancellationToken);

        InteropClients.AssertPassed(result, testCase, server);
    }
}
