using System.Text;
using DevServer.Processes;

namespace DevServer.Delivery.Tests;

/// <summary>A temp folder with real git repositories in it: bare "remotes", clones, commits and patch series.</summary>
internal sealed class GitSandbox : IDisposable
{
    private GitSandbox(string root) => Root = root;

    public string Root { get; }

    public string DeliveryRoot => Path.Combine(Root, "delivery");

    public static GitSandbox Create() =>
        new(Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"delivery-tests-{Guid.NewGuid():N}")).FullName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test for.
        }
    }

    /// <summary>Runs git as the test author; throws with git's output when it fails.</summary>
    public static async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var result = await TryGitAsync(directory, arguments);
        return result.ExitCode == 0
            ? result.StandardOutput.Trim()
            : throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {result.StandardOutput}{result.StandardError}");
    }

    public static async Task<CapturedProcess> TryGitAsync(string directory, params string[] arguments)
    {
        string[] identity =
        [
            "-c", "user.name=Test Author", "-c", "user.email=author@example.com", "-c", "init.defaultBranch=main",
            "-c", "commit.gpgsign=false", "-c", "advice.detachedHead=false",
        ];
        var spec = new ProcessSpec("git", [.. identity, .. arguments])
        {
            WorkingDirectory = directory,
            // Fixed dates: a delivered commit's committer date then shows whether delivery kept the author date.
            Environment = new Dictionary<string, string>
            {
                ["LC_ALL"] = "C",
                ["GIT_TERMINAL_PROMPT"] = "0",
                ["GIT_AUTHOR_DATE"] = "2020-01-01T00:00:00Z",
                ["GIT_COMMITTER_DATE"] = "2020-01-01T00:00:00Z",
            },
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        return await ProcessRunner.CaptureAsync(spec, timeout.Token);
    }

    /// <summary>A bare repository whose main branch holds <paramref name="files"/>; returns its path and main's commit.</summary>
    public async Task<(string Bare, string Base)> CreateRemoteAsync(string name, IReadOnlyDictionary<string, string> files)
    {
        var bare = Path.Combine(Root, "remotes", $"{name}.git");
        Directory.CreateDirectory(bare);
        await GitAsync(bare, "init", "--quiet", "--bare");
        var seed = await CloneAsync(bare, $"{name}-seed");
        var commit = await CommitAsync(seed, files.ToDictionary(p => p.Key, p => (string?)p.Value), "Initial commit");
        await GitAsync(seed, "push", "--quiet", "origin", "HEAD:refs/heads/main");
        await GitAsync(bare, "symbolic-ref", "HEAD", "refs/heads/main");
        return (bare, commit);
    }

    public async Task<string> CloneAsync(string bare, string name)
    {
        var clone = Path.Combine(Root, "clones", name);
        Directory.CreateDirectory(Path.GetDirectoryName(clone)!);
        await GitAsync(Root, "clone", "--quiet", bare, clone);
        await GitAsync(clone, "checkout", "--quiet", "-B", "main");
        return clone;
    }

    /// <summary>Writes (or, for null, deletes) files, commits everything, and returns the commit.</summary>
    public static async Task<string> CommitAsync(string clone, IReadOnlyDictionary<string, string?> files, string message)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(clone, path);
            if (content is null)
            {
                File.Delete(full);
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content, TestContext.Current.CancellationToken);
        }

        await GitAsync(clone, "add", "--all");
        await GitAsync(clone, "commit", "--quiet", "--allow-empty", "-m", message);
        return await GitAsync(clone, "rev-parse", "HEAD");
    }

    /// <summary>The commits after <paramref name="baseCommit"/> as the sidecar sends them (format-patch --binary).</summary>
    public async Task<byte[]> FormatPatchAsync(string clone, string baseCommit)
    {
        var file = Path.Combine(Root, $"series-{Guid.NewGuid():N}.mbox");
        await GitAsync(clone, "format-patch", "--quiet", "--binary", "--no-signature", $"--output={file}", $"{baseCommit}..HEAD");
        return File.Exists(file) ? await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken) : [];
    }

    /// <summary>A work clone of the remote with the given commits on top of main, and the series they make.</summary>
    public async Task<byte[]> SeriesAsync(string bare, string baseCommit, params IReadOnlyDictionary<string, string?>[] commits)
    {
        var clone = await CloneAsync(bare, $"work-{Guid.NewGuid():N}");
        await GitAsync(clone, "checkout", "--quiet", "--detach", baseCommit);
        var index = 1;
        foreach (var files in commits)
        {
            await CommitAsync(clone, files, $"Work commit {index++}");
        }

        return await FormatPatchAsync(clone, baseCommit);
    }

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
