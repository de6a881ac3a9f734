using DevServer.Interop.Tests.Infrastructure;
using DevServer.Testing;

namespace DevServer.Interop.Tests;

/// <summary>
/// `buf curl` (tests/Interop/node's @bufbuild/buf) against our server over h2c: it learns the schema only through
/// our server reflection service, so listing and calling prove the descriptors we serve are complete.
/// </summary>
public sealed class BufCurlTests(OurServerFixture server) : IClassFixture<OurServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly string[] TestServiceMethods =
    [
        "grpc.testing.TestService/CacheableUnaryCall",
        "grpc.testing.TestService/EmptyCall",
        "grpc.testing.TestService/FullDuplexCall",
        "grpc.testing.TestService/HalfDuplexCall",
        "grpc.testing.TestService/StreamingInputCall",
        "grpc.testing.TestService/StreamingOutputCall",
        "grpc.testing.TestService/UnaryCall",
        "grpc.testing.TestService/UnimplementedCall",
    ];

    [Theory]
    [InlineData("grpc-v1")]
    [InlineData("grpc-v1alpha")]
    public async Task Reflection_BufCurlListMethods_ListsEveryTestServiceMethod(string reflectProtocol)
    {
        var result = await BufCurlAsync([$"--reflect-protocol={reflectProtocol}", "--list-methods", Address()]);

        var methods = Lines(result).Where(line => line.StartsWith("grpc.testing.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(TestServiceMethods, methods);
    }

    [Fact]
    public async Task Reflection_BufCurlCallsUnaryCallByName_GetsTheResponse()
    {
        var result = await BufCurlAsync(["-d", """{"responseSize": 3}""", Address("grpc.testing.TestService/UnaryCall")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        // Three zero bytes, base64 in protobuf's JSON form: buf decoded the response with the schema it reflected.
        Assert.Contains("\"body\": \"AAAA\"", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_BufCurlChecksTestService_ReportsServing()
    {
        var result = await BufCurlAsync(["-d", """{"service": "grpc.testing.TestService"}""", Address("grpc.health.v1.Health/Check")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("\"status\": \"SERVING\"", result.StandardOutput, StringComparison.Ordinal);
    }

    private string Address(string path = "") => $"http://127.0.0.1:{server.Port}/{path}";

    private static Task<ProcessResult> BufCurlAsync(IReadOnlyList<string> arguments)
    {
        return ChildProcess.RunAsync(
            RepositoryLayout.BufExecutable,
            ["curl", "--protocol=grpc", "--http2-prior-knowledge", .. arguments],
            RepositoryLayout.NodePeersDirectory,
            Timeout,
            TestContext.Current.CancellationToken);
    }

    private static string[] Lines(ProcessResult result) =>
        result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
