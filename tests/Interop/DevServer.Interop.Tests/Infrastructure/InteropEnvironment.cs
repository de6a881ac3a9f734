using System.Reflection;

namespace DevServer.Interop.Tests.Infrastructure;

/// <summary>Where the peers are: our built interop programs, the .NET host, the Node programs and their modules.</summary>
internal static class InteropEnvironment
{
    private static readonly Dictionary<string, string> BuildMetadata = typeof(InteropEnvironment).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Where(a => a.Value is not null)
        .ToDictionary(a => a.Key, a => a.Value!, StringComparer.Ordinal);

    private static readonly Lazy<string> LazyRepositoryRoot = new(FindRepositoryRoot);

    /// <summary>The built DevServer.Interop.Server.dll (run with <see cref="Dotnet"/>).</summary>
    public static string ServerAssembly => ExistingFile(Get("InteropServer"));

    /// <summary>The built DevServer.Interop.Client.dll (run with <see cref="Dotnet"/>).</summary>
    public static string ClientAssembly => ExistingFile(Get("InteropClient"));

    /// <summary>The dotnet host of the SDK that built the tests.</summary>
    public static string Dotnet =>
        Path.Combine(Get("DotnetRoot"), OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");

    /// <summary>The folder holding DevServer.sln.</summary>
    public static string RepositoryRoot => LazyRepositoryRoot.Value;

    /// <summary>tests/Interop/node, checked to have its npm packages installed.</summary>
    public static string NodeDirectory
    {
        get
        {
            var directory = Path.Combine(RepositoryRoot, "tests", "Interop", "node");
            if (!Directory.Exists(Path.Combine(directory, "node_modules", "@grpc", "grpc-js")))
            {
                throw new InvalidOperationException(
                    $"The Node interop peers are not installed: {directory}/node_modules is missing or incomplete. " +
                    "Run ./build.sh test (it runs npm ci there), or npm ci in tests/Interop/node.");
            }

            return directory;
        }
    }

    /// <summary>
    /// Walks up from the test assembly to DevServer.sln; when the build output lives outside the tree
    /// (ArtifactsPath elsewhere), falls back to the root the build recorded.
    /// </summary>
    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DevServer.sln")))
            {
                return directory.FullName;
            }
        }

        var recorded = Get("RepositoryRoot");
        return File.Exists(Path.Combine(recorded, "DevServer.sln"))
            ? recorded
            : throw new InvalidOperationException($"No DevServer.sln above {AppContext.BaseDirectory} nor in {recorded}.");
    }

    private static string ExistingFile(string path) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{path} does not exist: build the solution first (dotnet build DevServer.sln).");

    private static string Get(string key) =>
        BuildMetadata.TryGetValue(key, out var value) && value.Length > 0
            ? value
            : throw new InvalidOperationException($"The test build did not record '{key}'.");
}
