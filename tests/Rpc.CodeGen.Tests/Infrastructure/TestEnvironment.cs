using System.Reflection;

namespace Rpc.CodeGen.Tests.Infrastructure;

/// <summary>Paths the build recorded for the tests (see the test project file): tools, SDK and repository.</summary>
internal static class TestEnvironment
{
    private static readonly Dictionary<string, string> Metadata = typeof(TestEnvironment).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Where(a => a.Value is not null)
        .ToDictionary(a => a.Key, a => a.Value!, StringComparer.Ordinal);

    /// <summary>protoc from the Grpc.Tools package.</summary>
    public static string Protoc => Get("Protoc");

    /// <summary>The well-known types (google/protobuf/*.proto) shipped with protoc.</summary>
    public static string ProtocIncludes => Get("ProtocIncludes");

    /// <summary>The built plugin executable.</summary>
    public static string ProtocGenRpc => Get("ProtocGenRpc");

    /// <summary>The .NET installation the build ran on (for the plugin's host and for nested builds).</summary>
    public static string DotnetRoot => Get("DotnetRoot");

    public static string Dotnet => Path.Combine(DotnetRoot, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");

    public static string RepositoryRoot => Get("RepositoryRoot");

    /// <summary>Build output root of this build, so nested builds find the referenced projects up to date.</summary>
    public static string ArtifactsPath => Get("ArtifactsPath");

    public static string Configuration => Get("Configuration");

    private static string Get(string key) =>
        Metadata.TryGetValue(key, out var value) && value.Length > 0
            ? value
            : throw new InvalidOperationException($"The test build did not record '{key}'.");
}
