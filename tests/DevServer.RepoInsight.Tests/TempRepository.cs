using DevServer.Processes;

namespace DevServer.RepoInsight.Tests;

/// <summary>A folder under the temp directory with files written by the test; deleted on dispose.</summary>
internal sealed class TempRepository : IDisposable
{
    public TempRepository()
    {
        Root = Path.Combine(Path.GetTempPath(), "repoinsight-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public TempRepository Write(string relative, string content)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        return this;
    }

    /// <summary>Runs git in the folder (a real git, with a fixed identity); fails the test when git fails.</summary>
    public async Task<string> GitAsync(params string[] arguments)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var result = await ProcessRunner.CaptureAsync(
            new ProcessSpec("git", arguments)
            {
                WorkingDirectory = Root,
                Environment = new Dictionary<string, string>
                {
                    ["GIT_AUTHOR_NAME"] = "Test", ["GIT_AUTHOR_EMAIL"] = "test@example.com",
                    ["GIT_COMMITTER_NAME"] = "Test", ["GIT_COMMITTER_EMAIL"] = "test@example.com",
                    ["GIT_CONFIG_NOSYSTEM"] = "1", ["HOME"] = Root,
                },
            },
            timeout.Token);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.StandardError}");
        return result.StandardOutput;
    }

    public async Task InitAndCommitAsync(string message = "initial")
    {
        await GitAsync("init", "-q", "-b", "main");
        await CommitAllAsync(message);
    }

    public async Task CommitAllAsync(string message)
    {
        await GitAsync("add", "-A");
        await GitAsync("commit", "-q", "-m", message);
    }

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
}
