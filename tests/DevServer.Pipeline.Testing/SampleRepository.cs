using DevServer.Testing;

namespace DevServer.Pipeline.Testing;

/// <summary>A real git repository in a temp folder: a greeting file and a test script the verifier runs.</summary>
public static class SampleRepository
{
    /// <summary>The test command: passes once the agent has added the second line.</summary>
    public const string TestCommand = "grep -q 'Hello from the agent' greeting.txt";

    public static async Task<string> CreateAsync(string parent, CancellationToken cancellationToken)
    {
        var path = Path.Combine(parent, "sample-repo");
        Directory.CreateDirectory(path);
        await File.WriteAllTextAsync(Path.Combine(path, "greeting.txt"), "Hello\n", cancellationToken);
        await GitAsync(path, cancellationToken, "init", "--quiet", "--initial-branch=main");
        await GitAsync(path, cancellationToken, "add", "-A");
        await GitAsync(path, cancellationToken, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "-m", "Initial commit");
        return path;
    }

    public static async Task<string> GitAsync(string directory, CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await ChildProcess.RunAsync("git", arguments, directory, TimeSpan.FromSeconds(60), cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"git failed:\n{result}");
        }

        return result.StandardOutput;
    }
}
