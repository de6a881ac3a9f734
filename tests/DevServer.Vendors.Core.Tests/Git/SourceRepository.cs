using DevServer.Contracts.Work.V1;
using DevServer.Processes;

namespace DevServer.Vendors.Core.Tests.Git;

/// <summary>
/// A real git repository in a temp folder, playing the origin a workspace fetches from, plus the git calls tests
/// make to look at results. Disposing it deletes the folder.
/// </summary>
internal sealed class SourceRepository : IDisposable
{
    private static readonly Dictionary<string, string> Identity = new()
    {
        ["GIT_AUTHOR_NAME"] = "Test Author",
        ["GIT_AUTHOR_EMAIL"] = "author@example.invalid",
        ["GIT_COMMITTER_NAME"] = "Test Author",
        ["GIT_COMMITTER_EMAIL"] = "author@example.invalid",
        ["LC_ALL"] = "C",
    };

    private SourceRepository(string path) => Path = path;

    public string Path { get; }

    public RepositorySource Source => new() { Name = "sample", Location = Path };

    /// <summary>A repository on branch main with one commit holding README.md ("line one\nline two\n").</summary>
    public static async Task<SourceRepository> CreateAsync(CancellationToken cancellationToken)
    {
        var repository = new SourceRepository(TempFolder.Create("source"));
        await GitAsync(repository.Path, cancellationToken, "init", "--quiet", "--initial-branch=main");
        await repository.CommitAsync("README.md", "line one\nline two\n", "Initial commit", cancellationToken);
        return repository;
    }

    /// <summary>Writes a file on the current branch and commits it; returns the commit.</summary>
    public async Task<string> CommitAsync(string file, string content, string message, CancellationToken cancellationToken)
    {
        var full = System.IO.Path.Combine(Path, file);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, content, cancellationToken);
        await GitAsync(Path, cancellationToken, "add", "--all");
        await GitAsync(Path, cancellationToken, "commit", "--quiet", "--message", message);
        return await GitAsync(Path, cancellationToken, "rev-parse", "HEAD");
    }

    /// <summary>Runs git in <paramref name="directory"/>, failing the test when it fails; returns its trimmed stdout.</summary>
    public static async Task<string> GitAsync(string directory, CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await TryGitAsync(directory, cancellationToken, arguments);
        return result.ExitCode == 0
            ? result.StandardOutput.Trim()
            : throw new InvalidOperationException($"git {string.Join(' ', arguments)} in {directory}: exit {result.ExitCode}\n{result.StandardError}");
    }

    public static Task<CapturedProcess> TryGitAsync(string directory, CancellationToken cancellationToken, params string[] arguments) =>
        ProcessRunner.CaptureAsync(new ProcessSpec("git", arguments) { WorkingDirectory = directory, Environment = Identity }, cancellationToken);

    public void Dispose() => TempFolder.Delete(Path);
}

/// <summary>Temp folders for one test.</summary>
internal static class TempFolder
{
    public static string Create(string purpose) =>
        Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"devserver-{purpose}-{Guid.NewGuid():N}")).FullName;

    public static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
