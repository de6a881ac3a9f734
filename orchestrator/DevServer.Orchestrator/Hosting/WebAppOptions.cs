using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Hosting;

/// <summary>Where the dashboard's built files are (section <c>Orchestrator:Web</c>).</summary>
internal sealed class WebAppOptions
{
    public const string Section = "Orchestrator:Web";

    /// <summary>The file a dashboard build always has; a folder without it is not a build.</summary>
    public const string IndexFile = "index.html";

    /// <summary>
    /// The folder <c>npm run build</c> wrote (<c>web/dist</c>). Unset: <c>&lt;program folder&gt;/wwwroot</c>, then the
    /// first <c>web/dist</c> above the program folder (a development checkout, where the build output lives below
    /// the repository).
    /// </summary>
    public string? DistPath { get; set; }

    /// <summary>
    /// The dashboard's folder, or <see langword="null"/> when no build is found. A configured path that holds no
    /// build is a setting to fix, so it stops the start instead of silently serving the "not built" page.
    /// </summary>
    /// <param name="baseDirectory">The program's folder (<see cref="AppContext.BaseDirectory"/>).</param>
    public string? ResolveDistFolder(string baseDirectory)
    {
        if (!string.IsNullOrWhiteSpace(DistPath))
        {
            var configured = Path.GetFullPath(DistPath, baseDirectory);
            return File.Exists(Path.Combine(configured, IndexFile))
                ? configured
                : throw new OptionsValidationException(
                    Section,
                    typeof(WebAppOptions),
                    [$"{Section}:DistPath '{configured}' has no {IndexFile}; build the dashboard (cd web && npm ci && npm run build) or fix the path."]);
        }

        return Candidates(baseDirectory).FirstOrDefault(folder => File.Exists(Path.Combine(folder, IndexFile)));
    }

    /// <summary>The folders looked at when nothing is configured, in order (also named by the "not built" page).</summary>
    public static IEnumerable<string> Candidates(string baseDirectory)
    {
        var start = new DirectoryInfo(Path.TrimEndingDirectorySeparator(Path.GetFullPath(baseDirectory)));
        yield return Path.Combine(start.FullName, "wwwroot");
        for (var folder = start; folder is not null; folder = folder.Parent)
        {
            yield return Path.Combine(folder.FullName, "web", "dist");
        }
    }
}
