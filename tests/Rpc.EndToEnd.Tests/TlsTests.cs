using System.Security.Cryptography;
using Grpc.Testing;
using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;

namespace Rpc.EndToEnd.Tests;

/// <summary>Our client and our server over TLS: Kestrel's HTTPS endpoint (HTTP/2 only) with a certificate made in the test.</summary>
public sealed class TlsTests
{
    [Fact(Timeout = 20_000)]
    public async Task AllCallKinds_PinnedSelfSignedCertificate_SucceedOverH2NegotiatedByAlpn()
    {
        using var certificate = TestCertificates.CreateSelfSigned();
        await using var server = await TestServer.StartAsync(certificate: certificate);
        Assert.Equal(Uri.UriSchemeHttps, server.Address.Scheme);
        var pinned = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        using var channel = RpcChannel.ForAddress(server.Address, new RpcChannelOptions
        {
            // Trust exactly this certificate rather than a CA the machine does not have.
            ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHashString(HashAlgorithmName.SHA256) == pinned,
        });
        var client = new TestService.TestServiceClient(channel);

        await CallKinds.AssertAllSucceedAsync(client, new CallOptions(CancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(4, server.Probe.Calls);
        Assert.All(server.Probe.Transports, transport => Assert.Equal(new Transport("HTTP/2", IsHttps: true, ApplicationProtocol: "h2"), transport));
    }

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(CallKinds.All), MemberType = typeof(CallKinds))]
    public async Task Call_CertificateNotTrusted_FailsUnavailableNamingTheCause(CallKind kind)
    {
        using var certificate = TestCertificates.CreateSelfSigned();
        await using var server = await TestServer.StartAsync(certificate: certificate);
        using var channel = RpcChannel.ForAddress(server.Address);
        var client = new TestService.TestServiceClient(channel);

        var status = await CallKinds.RunAsync(client, kind, new CallOptions(CancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.Unavailable, status.StatusCode);
        Assert.True(
            status.Detail.Contains("SSL", StringComparison.OrdinalIgnoreCase) || status.Detail.Contains("certificate", StringComparison.OrdinalIgnoreCase),
            $"The status should name the TLS failure: {status}");
        Assert.Equal(0, server.Probe.Calls);
    }
}
