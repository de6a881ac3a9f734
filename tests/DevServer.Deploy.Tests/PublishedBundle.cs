using System.Diagnostics;
using System.Runtime.Versioning;
using DevServer.Testing;

// systemd units, install.sh and the programs' own Unix modes: a Linux deployment.
[assembly: SupportedOSPlatform("linux")]

namespace DevServer.Deploy.Tests;

/// <summary>
/// The publish bundle, made once for every test of the collection by the real <c>./build.sh publish</c>. With
/// <c>--no-build</c> it publishes the Release build already made (CI and <c>./build.sh test</c> build the solution in
/// Release before the tests), which keeps this to well under a minute instead of a second build of everything.
/// </summary>
public sealed class PublishedBundle : IAsyncLifetime
{
    /// <summary>The dashboard build and eight publishes on a busy 2-core machine.</summary>
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(8);

    private readonly string _root = CreateRoot();

    /// <summary>The bundle's folder (what <c>./build.sh publish --output</c> wrote).</summary>
    public string Path => System.IO.Path.Combine(_root, "devserver");

    /// <summary>How long the publish took, for the record (the test output shows it).</summary>
    public TimeSpan PublishTime { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        var result = await ChildProcess.RunAsync(
            System.IO.Path.Combine(RepositoryLayout.Root, "build.sh"),
            ["publish", "--output", Path, "--no-build"],
            RepositoryLayout.Root,
            PublishTimeout,
            TestContext.Current.CancellationToken);
        PublishTime = watch.Elapsed;
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                "./build.sh publish --no-build failed; it publishes the Release build, so build it first " +
                $"(dotnet build DevServer.sln -c Release with the same ArtifactsPath).\n{result}");
        }
    }

    // Others may pass through: a test runs install.sh as 'nobody'.
    private static string CreateRoot()
    {
        var root = Directory.CreateTempSubdirectory("dsd-bundle-").FullName;
        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return root;
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The tests that share one bundle (and so run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class BundleTests : ICollectionFixture<PublishedBundle>
{
    public const string Name = "publish bundle";
}
