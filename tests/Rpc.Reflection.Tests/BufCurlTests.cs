using System.Text.Json;
using DevServer.Testing;
using Rpc.Reflection.Tests.Infrastructure;

namespace Rpc.Reflection.Tests;

/// <summary>buf curl, a reflection client we did not write, against our reflection and health services.</summary>
public sealed class BufCurlTests(ReflectionTestHost host)
{
    private const int TimeoutMs = 90_000;

    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string> ReflectProtocols { get; } = ["grpc-v1", "grpc-v1alpha"];

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(ReflectProtocols))]
    public async Task BufCurl_ListMethods_ListsTheTestServiceAndHealth(string reflectProtocol)
    {
        var result = await BufAsync(
            ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--reflect-protocol", reflectProtocol, "--list-methods", BaseUrl]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var methods = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal)
            {
                "rpctest.greeter.v1.Greeter/SayHello",
                "rpctest.greeter.v1.Greeter/SayHellos",
                "grpc.health.v1.Health/Check",
                "grpc.health.v1.Health/List",
                "grpc.health.v1.Health/Watch",
                "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            },
            methods.ToHashSet(StringComparer.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task BufCurl_HealthCheck_ReturnsServing()
    {
        var result = await BufAsync(
            ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--data", "{}", BaseUrl + "/grpc.health.v1.Health/Check"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal("SERVING", json.RootElement.GetProperty("status").GetString());
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task BufCurl_CallWithReflectedSchema_EncodesTheRequestAndDecodesTheReply()
    {
        // buf must turn JSON into protobuf with nothing but the reflected descriptors (imports included).
        var result = await BufAsync(
            ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--data", """{"name":"Ada","tone":"TONE_FORMAL","page":{"maxAge":"5s"}}""",
                BaseUrl + "/rpctest.greeter.v1.Greeter/SayHello"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal("Hello, Ada", json.RootElement.GetProperty("message").GetString());
    }

    private string BaseUrl => host.Address.GetLeftPart(UriPartial.Authority);

    /// <summary>Runs the buf CLI from tests/Interop/node; a run that outlasts <see cref="RunTimeout"/> is killed and fails the assertion on its exit code.</summary>
    private static Task<ProcessResult> BufAsync(IReadOnlyList<string> arguments) =>
        ChildProcess.RunAsync(RepositoryLayout.BufExecutable, arguments, Path.GetTempPath(), RunTimeout, TestContext.Current.CancellationToken);
}
