using DevServer.Processes;
using Microsoft.Extensions.Options;

namespace DevServer.Verifier.Sandbox;

/// <summary>
/// How a stage's command is started: as <c>/bin/sh -c</c> in the checkout (<see cref="SandboxMode.None"/>), or inside
/// bubblewrap. The sandbox sees the host's filesystem read-only with a fresh <c>/tmp</c>, <c>/dev</c> and, in a PID
/// namespace of its own, <c>/proc</c>; a fresh empty home at the verifier's home path (toolchains installed in the home
/// come back only through <see cref="SandboxOptions.ReadOnlyPaths"/>); the workspace root, the worker's data directory
/// and token file, the verifier's settings files and <see cref="SandboxOptions.HiddenPaths"/> hidden;
/// <see cref="SandboxOptions.ReadOnlyPaths"/> read-only and <see cref="SandboxOptions.ReadWritePaths"/> read-write on top
/// (neither may contain a hidden path: refused at start); its checkout bound read-write at the same path (paths in the
/// output match the host's) and the checkout's git repository (the clone cache) read-only. No capabilities, own IPC and
/// UTS namespaces, optionally an empty network namespace, and everything inside dies with bubblewrap's first process.
/// </summary>
internal sealed class StageSandbox
{
    private const string Shell = "/bin/sh";

    // Where HOME goes when the verifier's own home cannot be covered (unset, "/", or inside the workspace).
    private const string FallbackHome = "/tmp/home";

    private readonly SandboxOptions _options;
    private readonly string _program;
    private readonly string _workspaceRoot;
    private readonly IReadOnlyList<string> _workerPaths;
    private readonly string _home;

    private StageSandbox(SandboxOptions options, string program, string workspaceRoot, IReadOnlyList<string> workerPaths, string home)
    {
        _options = options;
        _program = program;
        _workspaceRoot = workspaceRoot;
        _workerPaths = workerPaths;
        _home = home;
    }

    /// <summary>Stages run as they always did: no sandbox.</summary>
    public static StageSandbox None { get; } = new(new SandboxOptions(), "", "/", [], "");

    /// <summary>The mode in force.</summary>
    public SandboxMode Mode => _options.Mode;

    /// <summary>True when the stage has the host's network.</summary>
    public bool Network => _options.Network;

    /// <summary>The bwrap program (full path), or empty without a sandbox.</summary>
    public string Program => _program;

    /// <summary>The line each stage's output starts with, so the task's events say how it ran; null without a sandbox.</summary>
    public string? Banner => Mode == SandboxMode.Bubblewrap ? $"sandbox: bubblewrap (network {(Network ? "on" : "off")})" : null;

    /// <summary>The sandbox <paramref name="options"/> ask for (validated), around checkouts of <paramref name="workspaceRoot"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="workspaceRoot">The worker's workspace: hidden but for the stage's own checkout and its git repository.</param>
    /// <param name="workerPaths">The worker's own data and settings (folders or files) the stages must not see.</param>
    /// <exception cref="FileNotFoundException">Bubblewrap was asked for and bwrap is not there.</exception>
    /// <exception cref="OptionsValidationException">A read-only or read-write path contains a path the stages must not see.</exception>
    public static StageSandbox Create(SandboxOptions options, string workspaceRoot, IEnumerable<string> workerPaths)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode == SandboxMode.None)
        {
            return None;
        }

        var program = Locate(options.BwrapPath)
            ?? throw new FileNotFoundException($"No bwrap at '{options.BwrapPath}': install the package '{SandboxOptions.Package}'.", options.BwrapPath);
        var root = Path.GetFullPath(workspaceRoot);
        var sandbox = new StageSandbox(options, program, root, [.. workerPaths.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal)], HomeFor(root));
        if (sandbox.Exposures() is { Count: > 0 } exposures)
        {
            throw new OptionsValidationException(SandboxOptions.Section, typeof(SandboxOptions), exposures);
        }

        return sandbox;
    }

    /// <summary>
    /// Every read-only or read-write path that contains (or is) a path the stages must not see. Those binds go on top of
    /// the hiding mounts (so that a path inside the fresh home, such as <c>~/.npm</c>, works), and a bind of a folder
    /// brings back everything under it: the hidden path would be visible again, and with a read-write bind writable.
    /// </summary>
    private List<string> Exposures()
    {
        List<(string Path, string What)> hidden =
        [
            (_workspaceRoot, "the workspace root"),
            (_home, "the stages' fresh home"),
            .. _workerPaths.Select(path => (path, "the worker's own data, token or settings")),
            .. _options.HiddenPaths.Select((path, index) => (path, $"{SandboxOptions.Section}:HiddenPaths:{index}")),
        ];
        var errors = new List<string>();
        foreach (var (setting, paths) in _options.BoundPathSettings)
        {
            for (var index = 0; index < paths.Count; index++)
            {
                var bound = Resolved(paths[index]);
                foreach (var (path, what) in hidden.Where(hidden => IsWithin(Resolved(hidden.Path), bound)))
                {
                    errors.Add(
                        $"{SandboxOptions.Section}:{setting}:{index} '{paths[index]}' contains '{path}' ({what}), which stages must not see: "
                        + "bound on top of the hides, it would expose it again; bind only the folders in it that stages need.");
                }
            }
        }

        return errors;
    }

    /// <summary>The full path of an executable <paramref name="configured"/> (a path, or a name looked up in PATH), or null.</summary>
    public static string? Locate(string configured)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return null;
        }

        var candidates = configured.Contains('/', StringComparison.Ordinal)
            ? [Path.GetFullPath(configured)]
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, configured));
        // bubblewrap is Linux's: nowhere else is there a bwrap to find.
        return candidates.FirstOrDefault(path =>
            OperatingSystem.IsLinux() && File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
    }

    /// <summary>What runs <paramref name="command"/> for a stage whose checkout is <paramref name="checkout"/>.</summary>
    public ProcessSpec SpecFor(string command, string checkout)
    {
        var plain = new ProcessSpec(Shell, ["-c", command])
        {
            WorkingDirectory = checkout,
            EnvironmentMode = EnvironmentMode.Scrubbed,
        };
        if (Mode == SandboxMode.None)
        {
            return plain;
        }

        return plain with
        {
            FileName = _program,
            Arguments = [.. Arguments(Path.GetFullPath(checkout)), Shell, "-c", command],
            // The home is the fresh tmpfs; the host's TMPDIR may name a folder the sandbox cannot write.
            Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["HOME"] = _home, ["TMPDIR"] = "/tmp" },
        };
    }

    /// <summary>bwrap's arguments up to the command. Order matters: later mounts go on top of earlier ones.</summary>
    private List<string> Arguments(string checkout)
    {
        List<string> arguments =
        [
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--unshare-pid", "--proc", "/proc",
            "--tmpfs", "/tmp",
            "--unshare-ipc", "--unshare-uts",
            // As root, bwrap would keep every capability: CAP_SYS_ADMIN could remount "/" read-write.
            "--cap-drop", "ALL",
            // No --die-with-parent: its PR_SET_PDEATHSIG fires when the *thread* that started bwrap ends, and .NET starts
            // processes on the calling thread-pool thread, which retires after some idle seconds: a long stage would be
            // killed midway. The runner's process-group kill and the PID namespace end everything at a time limit or
            // cancellation.
        ];
        if (!Network)
        {
            arguments.Add("--unshare-net");
        }

        arguments.AddRange(["--tmpfs", _home]);
        foreach (var path in _workerPaths.Concat(_options.HiddenPaths).Append(_workspaceRoot))
        {
            Hide(arguments, path, EmptyFile);
        }

        // After the home's tmpfs and the hides (a toolchain in ~/.dotnet, a cache in ~/.npm), none containing a hidden
        // path (Create refuses that). Outer folders first, so that one inside another goes on top of it whatever its
        // kind: a read-write cache inside a read-only toolchain stays writable, and the reverse read-only. -try: one
        // removed since the start must not fail every stage with bwrap's error, which would fail the base commit's the
        // same way and so pass as a failure that was already there.
        var binds = _options.ReadOnlyPaths.Select(path => (Path: path, Option: "--ro-bind-try"))
            .Concat(_options.ReadWritePaths.Select(path => (Path: path, Option: "--bind-try")))
            .OrderBy(bind => Path.TrimEndingDirectorySeparator(Path.GetFullPath(bind.Path)).Count(c => c == '/'));
        foreach (var (path, option) in binds)
        {
            arguments.AddRange([option, path, path]);
        }

        if (GitDirectories.Of(checkout, Path.Combine(_workspaceRoot, "cache")) is { } git)
        {
            // git in the checkout needs its repository: the clone cache, read-only (its objects are shared by every
            // checkout of the repository, so they cannot be narrowed), with the other checkouts' entries hidden.
            arguments.AddRange(["--ro-bind", git.Common, git.Common, "--tmpfs", git.Worktrees, "--ro-bind", git.Private, git.Private]);
        }

        arguments.AddRange(["--bind", checkout, checkout, "--chdir", checkout, "--"]);
        return arguments;
    }

    // A folder becomes an empty tmpfs, a file an empty file; what does not exist needs no hiding (and bwrap could not
    // create a mount point for it in the read-only root).
    private static void Hide(List<string> arguments, string path, Func<string> emptyFile)
    {
        if (Directory.Exists(path))
        {
            arguments.AddRange(["--tmpfs", path]);
        }
        else if (File.Exists(path))
        {
            arguments.AddRange(["--ro-bind", emptyFile(), path]);
        }
    }

    /// <summary>
    /// An empty file of the verifier's own to bind over a hidden file (binding /dev/null would not do: bwrap's binds are
    /// nodev, so the device could not even be opened). Kept in the workspace's own <c>sandbox/</c> folder, which the
    /// workspace cleanup does not touch, and made again should it be gone.
    /// </summary>
    private string EmptyFile()
    {
        var file = Path.Combine(_workspaceRoot, "sandbox", "empty");
        if (!File.Exists(file) || new FileInfo(file).Length != 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, []);
        }

        return file;
    }

    // The verifier's home, covered by the fresh tmpfs (tools that ask the password database rather than HOME find the
    // same empty folder), unless covering it would cover the workspace or everything.
    private static string HomeFor(string workspaceRoot)
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrWhiteSpace(home) || !Path.IsPathFullyQualified(home) || !Directory.Exists(home))
        {
            return FallbackHome;
        }

        home = Path.TrimEndingDirectorySeparator(Path.GetFullPath(home));
        return home == "/" || IsWithin(home, workspaceRoot) ? FallbackHome : home;
    }

    internal static bool IsWithin(string path, string folder) =>
        path == folder || path.StartsWith(Path.TrimEndingDirectorySeparator(folder) + "/", StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="path"/> made absolute with every symbolic link in it resolved, as far as it exists: the folder the
    /// kernel (and so bwrap) would reach through it, to compare paths that name the same folder differently.
    /// </summary>
    internal static string Resolved(string path) => Resolved(path, 0);

    private static string Resolved(string path, int depth)
    {
        var resolved = "/";
        foreach (var part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            resolved = Path.Combine(resolved, part);
            // 40: the kernel's own limit on links followed in one lookup (a loop would otherwise never end).
            if (depth < 40 && new FileInfo(resolved).LinkTarget is { } target)
            {
                resolved = Resolved(Path.GetFullPath(target, Path.GetDirectoryName(resolved)!), depth + 1);
            }
        }

        return resolved;
    }
}
