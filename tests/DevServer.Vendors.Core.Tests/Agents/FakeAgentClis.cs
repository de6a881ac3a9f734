using System.Text.Json;
using DevServer.Testing;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>The fake agent CLIs of tests/FakeAgentClis (python3), which replay the real captures in ../shared/fixtures.</summary>
internal static class FakeAgentClis
{
    public static string Claude => Path.Combine(RepositoryLayout.Root, "tests", "FakeAgentClis", "claude");

    public static string Gemini => Path.Combine(RepositoryLayout.Root, "tests", "FakeAgentClis", "gemini");

    public static string Codex => Path.Combine(RepositoryLayout.Root, "tests", "FakeAgentClis", "codex");

    /// <summary>The <c>fake_invocation</c> line every fake prints first: the argv, environment and cwd it got.</summary>
    public static FakeInvocation Invocation(IEnumerable<string> stdoutLines)
    {
        var line = stdoutLines.First(l => l.StartsWith("{\"type\":\"fake_invocation\"", StringComparison.Ordinal));
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        return new FakeInvocation(
            [.. root.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!)],
            root.GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
            root.GetProperty("cwd").GetString()!);
    }
}

internal sealed record FakeInvocation(IReadOnlyList<string> Argv, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory)
{
    // What the runner passes on from the sidecar whatever the command says.
    private static readonly HashSet<string> Harmless = new(StringComparer.Ordinal)
    {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR",
    };

    // What the interpreter's launcher adds on its way to python (a pyenv shim is a bash script; python sets LC_CTYPE
    // under the C locale): not part of what the sidecar passed.
    private static readonly HashSet<string> Launcher = new(StringComparer.Ordinal) { "PWD", "OLDPWD", "SHLVL", "_" };

    /// <summary>The variables the sidecar chose: the environment without the harmless base and the launcher's own.</summary>
    public IReadOnlyDictionary<string, string> ChosenEnvironment => Environment
        .Where(v => !Harmless.Contains(v.Key) && !Launcher.Contains(v.Key)
            && !v.Key.StartsWith("LC_", StringComparison.Ordinal) && !v.Key.StartsWith("PYENV_", StringComparison.Ordinal) && !v.Key.StartsWith("_PYENV_", StringComparison.Ordinal))
        .ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
}
