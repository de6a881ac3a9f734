using DevServer.Testing;

namespace DevServer.Deploy.Tests;

/// <summary>
/// A temporary filesystem root that <c>install.sh --root &lt;root&gt; --prefix &lt;root&gt;/opt/devserver</c> installs
/// into. Others may pass through it: as root, the orchestrator's embedded PostgreSQL runs as 'nobody', which must
/// reach the data directory below it.
/// </summary>
internal sealed class Installation : IDisposable
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(2);

    public Installation()
    {
        Root = Directory.CreateTempSubdirectory("dsd-").FullName;
        File.SetUnixFileMode(Root, File.GetUnixFileMode(Root) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    public string Root { get; }

    public string Prefix => Path.Combine(Root, "opt", "devserver");

    public string UnitDirectory => Path.Combine(Root, "etc", "systemd", "system");

    public string SettingsDirectory => Path.Combine(Root, "etc", "devserver");

    /// <summary>The installed devserver command.</summary>
    public string Command => Path.Combine(Root, "usr", "local", "bin", "devserver");

    /// <summary>Runs the bundle's install.sh into this root.</summary>
    public async Task<ProcessResult> InstallAsync(PublishedBundle bundle, CancellationToken cancellationToken)
    {
        var result = await ChildProcess.RunAsync(
            Path.Combine(bundle.Path, "install.sh"), ["--root", Root, "--prefix", Prefix], Root, InstallTimeout, cancellationToken);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary>An installed unit, parsed as systemd would, with the installed settings files.</summary>
    public SystemdUnit Unit(string name, string? instance = null) => SystemdUnit.Load(Path.Combine(UnitDirectory, name), instance, Root);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
