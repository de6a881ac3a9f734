using DevServer.Testing;

namespace DevServer.Vendors.Script.Tests;

/// <summary>
/// A temporary folder with an "origin" repository (branch main, one commit with README.md) and room for workspaces
/// and clones; git is run as a real process. Deleted on disposal.
/// </summary>
internal sealed class TestRepositories : IDisposable
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(30);

    private TestRepositories(string root)
    {
        Root = root;
        Origin = Path.Combine(root, "origin");
        WorkspaceRoot = Path.Combine(root, "workspace");
    }

    public string Root { get; }

    public string Origin { get; }

    public string WorkspaceRoot { get; }

    /// <summary>main's commit in the origin.</summary>
    public string BaseCommit { get; private set; } = string.Empty;

    public static async Task<TestRepositories> CreateAsync()
    {
        var repositories = new TestRepositories(Directory.CreateTempSubdirectory("devserver-script-").FullName);
        Directory.CreateDirectory(repositories.Origin);
        await GitAsync(repositories.Origin, "init", "--quiet", "--initial-branch=main");
        await File.WriteAllTextAsync(Path.Combine(repositories.Origin, "README.md"), "hello\n", TestContext.Current.CancellationToken);
        await GitAsync(repositories.Origin, "add", "README.md");
        await GitAsync(repositories.Origin, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "-m", "initial");
        repositories.BaseCommit = (await GitAsync(repositories.Origin, "rev-parse", "HEAD")).Trim();
        return repositories;
    }

    /// <summary>A fresh clone of the origin at main, as somebody else (the verifier) would have it.</summary>
    public async Task<string> CloneAsync(string name)
    {
        var clone = Path.Combine(Root, name);
        await GitAsync(Root, "clone", "--quiet", Origin, clone);
        return clone;
    }

    /// <summary>Runs git; fails the test with its output when it does not exit 0.</summary>
    public static async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var result = await ChildProcess.RunAsync("git", arguments, directory, GitTimeout, TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }

    public void Dispose()
    {
        // Git makes its object files read-only; deletion needs them writable on some systems.
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(Root, recursive: true);
    }
}
