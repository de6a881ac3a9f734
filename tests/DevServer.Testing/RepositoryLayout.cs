namespace DevServer.Testing;

/// <summary>Where things are in the repository: its root, the Node peers of the interop tests, buf.</summary>
public static class RepositoryLayout
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder holding DevServer.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>tests/Interop/node (grpc-js and connect peers, buf), checked to have its npm packages installed.</summary>
    public static string NodePeersDirectory
    {
        get
        {
            var directory = Path.Combine(Root, "tests", "Interop", "node");
            if (!Directory.Exists(Path.Combine(directory, "node_modules", "@grpc", "grpc-js")))
            {
                throw new InvalidOperationException(
                    $"The Node interop peers are not installed: {directory}/node_modules is missing or incomplete. " +
                    "Run ./build.sh test (it runs npm ci there), or npm ci in tests/Interop/node.");
            }

            return directory;
        }
    }

    /// <summary>The buf CLI that tests/Interop/node installs (npm @bufbuild/buf): a reflection client we did not write.</summary>
    public static string BufExecutable
    {
        get
        {
            var buf = Path.Combine(NodePeersDirectory, "node_modules", ".bin", OperatingSystem.IsWindows() ? "buf.cmd" : "buf");
            return File.Exists(buf)
                ? buf
                : throw new InvalidOperationException($"{buf} is missing: run ./build.sh test (it runs npm ci in tests/Interop/node).");
        }
    }

    /// <summary>
    /// Walks up from the test output to DevServer.sln; when the build output lives outside the tree (ArtifactsPath
    /// elsewhere), falls back to the root the build recorded.
    /// </summary>
    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DevServer.sln")))
            {
                return directory.FullName;
            }
        }

        var recorded = Path.TrimEndingDirectorySeparator(BuildRecord.Of(typeof(RepositoryLayout).Assembly).Get("RepositoryRoot"));
        return File.Exists(Path.Combine(recorded, "DevServer.sln"))
            ? recorded
            : throw new InvalidOperationException($"No DevServer.sln above {AppContext.BaseDirectory} nor in {recorded}.");
    }
}
