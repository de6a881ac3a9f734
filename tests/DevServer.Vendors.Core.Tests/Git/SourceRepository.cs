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

/// <summary>
/// Three real repositories side by side in one temp folder, as on a forge: <c>sample</c> (branch main, README.md, the
/// submodule <c>lib</c> by the relative URL <c>../lib</c>), <c>lib</c> (l.txt, the nested submodule <c>deps/nested</c> by
/// <c>../nested</c>) and <c>nested</c> (n.txt). <c>lib</c> and <c>nested</c> get one more commit after the recorded one,
/// so a checkout at a branch tip instead of the recorded commit shows. Disposing it deletes the folder.
/// </summary>
internal sealed class SubmoduleFamily : IDisposable
{
    private SubmoduleFamily(string folder) => Folder = folder;

    public string Folder { get; }

    public string Super => System.IO.Path.Combine(Folder, "sample");

    public string Lib => System.IO.Path.Combine(Folder, "lib");

    public string Nested => System.IO.Path.Combine(Folder, "nested");

    public RepositorySource Source => new() { Name = "sample", Location = Super };

    /// <summary>The commit of lib that sample records.</summary>
    public string LibCommit { get; private set; } = string.Empty;

    /// <summary>The commit of nested that lib's recorded commit records.</summary>
    public string NestedCommit { get; private set; } = string.Empty;

    public static async Task<SubmoduleFamily> CreateAsync(CancellationToken cancellationToken)
    {
        var family = new SubmoduleFamily(TempFolder.Create("submodules"));
        foreach (var repository in new[] { family.Nested, family.Lib, family.Super })
        {
            Directory.CreateDirectory(repository);
            await SourceRepository.GitAsync(repository, cancellationToken, "init", "--quiet", "--initial-branch=main");
        }

        family.NestedCommit = await CommitAsync(family.Nested, "n.txt", "nested v1\n", "Nested", cancellationToken);
        await CommitAsync(family.Lib, "l.txt", "lib v1\n", "Lib", cancellationToken);
        await AddSubmoduleAsync(family.Lib, "../nested", "deps/nested", cancellationToken);
        family.LibCommit = await SourceRepository.GitAsync(family.Lib, cancellationToken, "rev-parse", "HEAD");
        await CommitAsync(family.Super, "README.md", "line one\nline two\n", "Initial commit", cancellationToken);
        await AddSubmoduleAsync(family.Super, "../lib", "lib", cancellationToken);
        await CommitAsync(family.Lib, "l.txt", "lib v2, not recorded\n", "Later lib", cancellationToken);
        await CommitAsync(family.Nested, "n.txt", "nested v2, not recorded\n", "Later nested", cancellationToken);
        return family;
    }

    /// <summary>Writes a file in one of the repositories and commits it there; returns the commit.</summary>
    public static async Task<string> CommitAsync(string repository, string file, string content, string message, CancellationToken cancellationToken)
    {
        var full = System.IO.Path.Combine(repository, file);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, content, cancellationToken);
        await SourceRepository.GitAsync(repository, cancellationToken, "add", "--", file);
        await SourceRepository.GitAsync(repository, cancellationToken, "commit", "--quiet", "--message", message);
        return await SourceRepository.GitAsync(repository, cancellationToken, "rev-parse", "HEAD");
    }

    // git submodule add refuses local paths since 2.38.1 unless file transport is allowed (here only for the fixture).
    private static async Task AddSubmoduleAsync(string repository, string url, string path, CancellationToken cancellationToken)
    {
        await SourceRepository.GitAsync(repository, cancellationToken, "-c", "protocol.file.allow=always", "submodule", "add", "--quiet", url, path);
        await SourceRepository.GitAsync(repository, cancellationToken, "commit", "--quiet", "--message", $"Add {path}");
    }

    public void Dispose() => TempFolder.Delete(Folder);
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
