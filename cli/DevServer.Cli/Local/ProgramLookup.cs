using System.Runtime.InteropServices;

namespace DevServer.Cli.Local;

/// <summary>A program of the local system: an assembly run with the dotnet host, or an executable run directly.</summary>
internal sealed record LocalProgram(string Project, string Path)
{
    public bool IsAssembly => Path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Finds the programs <c>devserver up</c> starts: a path in an environment variable when set, otherwise the build
/// output beside the CLI's own (<c>artifacts/bin/&lt;Project&gt;/&lt;config&gt;/&lt;Project&gt;.dll</c>, the layout of
/// UseArtifactsOutput), otherwise the CLI's own folder (a published bundle).
/// </summary>
internal sealed class ProgramLookup(Func<string, string?> environment, string baseDirectory)
{
    public static readonly (string Project, string Variable) Orchestrator = ("DevServer.Orchestrator", "DEVSERVER_ORCHESTRATOR");
    public static readonly (string Project, string Variable) ScriptSidecar = ("DevServer.Vendors.Script", "DEVSERVER_SCRIPT_SIDECAR");
    public static readonly (string Project, string Variable) Verifier = ("DevServer.Verifier", "DEVSERVER_VERIFIER");

    /// <summary>The agent-CLI vendors `up` can start, each one sidecar program.</summary>
    public static readonly IReadOnlyList<string> AgentVendors = ["claude", "glm", "gemini", "codex"];

    /// <summary>The sidecar of an agent vendor: DevServer.Vendors.Claude for claude, overridable with $DEVSERVER_CLAUDE_SIDECAR.</summary>
    public static (string Project, string Variable) AgentSidecar(string vendor) =>
        AgentVendors.Contains(vendor)
            ? ($"DevServer.Vendors.{char.ToUpperInvariant(vendor[0])}{vendor[1..]}", $"DEVSERVER_{vendor.ToUpperInvariant()}_SIDECAR")
            : throw new ArgumentOutOfRangeException(nameof(vendor), vendor, "Not an agent vendor with a sidecar.");

    public LocalProgram Find((string Project, string Variable) program)
    {
        var (project, variable) = program;
        if (environment(variable) is { Length: > 0 } configured)
        {
            var path = System.IO.Path.GetFullPath(configured);
            return File.Exists(path)
                ? new LocalProgram(project, path)
                : throw new CliException(ExitCodes.Failure, $"${variable} is {configured}, but there is no file at {path}.");
        }

        var candidates = Candidates(project).ToList();
        return candidates.FirstOrDefault(File.Exists) is { } found
            ? new LocalProgram(project, found)
            : throw new CliException(
                ExitCodes.Failure,
                $"cannot find {project}: build it (dotnet build DevServer.sln) or set ${variable} to its .dll or executable. " +
                $"Looked at: {string.Join(", ", candidates)}");
    }

    /// <summary>Where a program is looked for, in order.</summary>
    public IEnumerable<string> Candidates(string project)
    {
        var cliFolder = new DirectoryInfo(System.IO.Path.TrimEndingDirectorySeparator(baseDirectory));
        // <artifacts>/bin/DevServer.Cli/<config>/: the sibling projects are <artifacts>/bin/<Project>/<config>/.
        if (cliFolder.Parent?.Parent is { } binRoot)
        {
            foreach (var configuration in new[] { cliFolder.Name, "release", "debug" }.Distinct(StringComparer.Ordinal))
            {
                yield return System.IO.Path.Combine(binRoot.FullName, project, configuration, project + ".dll");
            }
        }

        yield return System.IO.Path.Combine(cliFolder.FullName, project + ".dll");
    }

    /// <summary>
    /// The dotnet host that runs assemblies: the one running the CLI when started as <c>dotnet devserver.dll</c>,
    /// otherwise the one of the runtime the CLI runs on, otherwise <c>dotnet</c> from PATH.
    /// </summary>
    public static string DotnetHost()
    {
        if (Environment.ProcessPath is { } current && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var runtime = new DirectoryInfo(System.IO.Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory()));
        if (runtime.Parent?.Parent?.Parent is { } root && System.IO.Path.Combine(root.FullName, "dotnet") is var host && File.Exists(host))
        {
            return host;
        }

        return "dotnet";
    }
}
