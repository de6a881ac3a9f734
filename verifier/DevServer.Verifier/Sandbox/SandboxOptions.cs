using Microsoft.Extensions.Options;

namespace DevServer.Verifier.Sandbox;

/// <summary>Where verification stages run.</summary>
internal enum SandboxMode
{
    /// <summary>As the verifier's own user, with a scrubbed environment and nothing else taken away.</summary>
    None,

    /// <summary>In a bubblewrap (<c>bwrap</c>) sandbox: see <see cref="StageSandbox"/>.</summary>
    Bubblewrap,
}

/// <summary>
/// Whether and how the verifier sandboxes the stages it runs, the agent's code (section <c>Verifier:Sandbox</c>;
/// validated at start-up).
/// </summary>
internal sealed class SandboxOptions
{
    public const string Section = "Verifier:Sandbox";

    /// <summary>The Debian (and Ubuntu, Fedora, Arch) package that has <c>bwrap</c>.</summary>
    public const string Package = "bubblewrap";

    /// <summary><see cref="SandboxMode.None"/> (the default) or <see cref="SandboxMode.Bubblewrap"/>.</summary>
    public SandboxMode Mode { get; set; } = SandboxMode.None;

    /// <summary>
    /// True (the default): stages share the host's network, so builds can restore packages. False: each stage gets an
    /// empty network namespace of its own, with only its own loopback.
    /// </summary>
    public bool Network { get; set; } = true;

    /// <summary>The bubblewrap program: a path, or a name looked up in PATH (default <c>bwrap</c>).</summary>
    public string BwrapPath { get; set; } = "bwrap";

    /// <summary>
    /// More host paths (absolute, existing) a stage may write, such as a package cache shared by all stages. One inside
    /// the home (<c>~/.npm</c>) works: it is bound on top of the fresh home. None may contain a hidden path.
    /// </summary>
    public IList<string> ReadWritePaths { get; } = [];

    /// <summary>
    /// Host paths (absolute, existing) a stage sees read-only although they are covered by the fresh home or a hidden
    /// path: a toolchain installed in the verifier's home (<c>~/.dotnet</c>, <c>~/.cargo</c>, pyenv). None may contain a
    /// hidden path.
    /// </summary>
    public IList<string> ReadOnlyPaths { get; } = [];

    /// <summary>More host paths (absolute) a stage must not see: a folder becomes an empty tmpfs, a file an empty file.</summary>
    public IList<string> HiddenPaths { get; } = [];

    /// <summary>The settings that bind host paths into the sandbox, by name (for messages), in the order they are bound.</summary>
    internal IEnumerable<(string Setting, IList<string> Paths)> BoundPathSettings =>
        [(nameof(ReadOnlyPaths), ReadOnlyPaths), (nameof(ReadWritePaths), ReadWritePaths)];

    /// <summary>Checks the settings at start-up, naming every bad one; with Bubblewrap, also that its program exists.</summary>
    internal sealed class Validation : IValidateOptions<SandboxOptions>
    {
        public ValidateOptionsResult Validate(string? name, SandboxOptions options)
        {
            var errors = new List<string>();
            if (!Enum.IsDefined(options.Mode))
            {
                errors.Add($"{Section}:Mode '{options.Mode}' must be None or Bubblewrap.");
            }

            foreach (var (setting, paths) in options.BoundPathSettings)
            {
                foreach (var path in paths)
                {
                    if (PathProblem(path) is { } problem)
                    {
                        errors.Add($"{Section}:{setting} '{path}' {problem}.");
                    }
                    else if (!Directory.Exists(path) && !File.Exists(path))
                    {
                        errors.Add($"{Section}:{setting} '{path}' does not exist (bubblewrap can only bind what is there).");
                    }
                }
            }

            foreach (var path in options.HiddenPaths)
            {
                if (PathProblem(path) is { } problem)
                {
                    errors.Add($"{Section}:HiddenPaths '{path}' {problem}.");
                }
            }

            if (options.Mode == SandboxMode.Bubblewrap && StageSandbox.Locate(options.BwrapPath) is null)
            {
                errors.Add(
                    $"{Section}:Mode is Bubblewrap, but there is no bwrap program at '{options.BwrapPath}'"
                    + (options.BwrapPath.Contains('/', StringComparison.Ordinal) ? "" : " in PATH")
                    + $": install the package '{Package}' (apt-get install {Package}) or set {Section}:BwrapPath, or set {Section}:Mode to None.");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        // "/" itself would either hide the whole system or give all of it back.
        private static string? PathProblem(string path) =>
            string.IsNullOrWhiteSpace(path) || !Path.IsPathFullyQualified(path) ? "must be an absolute path"
            : Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) == "/" ? "must not be the root folder"
            : null;
    }
}
