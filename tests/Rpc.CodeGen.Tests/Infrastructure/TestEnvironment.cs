using DevServer.Testing;

namespace Rpc.CodeGen.Tests.Infrastructure;

/// <summary>
/// Paths the build recorded for the tests (see the test project file): protoc and the plugin. The SDK and the
/// repository come from DevServer.Testing (<see cref="BuiltPrograms"/>, <see cref="RepositoryLayout"/>).
/// </summary>
internal static class TestEnvironment
{
    private static readonly BuildRecord Recorded = BuildRecord.Of(typeof(TestEnvironment).Assembly);

    /// <summary>protoc from the Grpc.Tools package.</summary>
    public static string Protoc => Recorded.Get("Protoc");

    /// <summary>The well-known types (google/protobuf/*.proto) shipped with protoc.</summary>
    public static string ProtocIncludes => Recorded.Get("ProtocIncludes");

    /// <summary>The built plugin executable.</summary>
    public static string ProtocGenRpc => BuiltPrograms.Executable(typeof(TestEnvironment).Assembly, "protoc-gen-rpc");

    /// <summary>Build output root of this build, so nested builds find the referenced projects up to date.</summary>
    public static string ArtifactsPath => Recorded.Get("ArtifactsPath");

    public static string Configuration => Recorded.Get("Configuration");
}
