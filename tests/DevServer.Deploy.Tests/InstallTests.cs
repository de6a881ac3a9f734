using System.Security.Cryptography;
using System.Text.RegularExpressions;
using DevServer.Testing;

namespace DevServer.Deploy.Tests;

/// <summary>deploy/install.sh from the published bundle, into temporary roots.</summary>
[Collection(BundleTests.Name)]
public sealed partial class InstallTests(PublishedBundle bundle) : IDisposable
{
    private static readonly string[] Programs =
        ["devserver", "devserver-orchestrator", "devserver-verifier", .. new[] { "script", "claude", "glm", "gemini", "codex" }.Select(v => "devserver-sidecar-" + v)];

    private static readonly string[] Units =
        ["devserver.target", "devserver-orchestrator.service", "devserver-verifier.service", "devserver-sidecar@.service"];

    private static readonly string[] SettingsFiles =
        ["orchestrator.env", "worker.env", "verifier.env", .. new[] { "script", "claude", "glm", "gemini", "codex" }.Select(v => $"sidecar-{v}.env")];

    private readonly Installation _installation = new();

    public void Dispose() => _installation.Dispose();

    [Fact]
    public async Task Install_TwiceIntoATemporaryRoot_LaysEverythingOutOnceAndKeepsTheOperatorsSettings()
    {
        var ct = TestContext.Current.CancellationToken;
        TestContext.Current.TestOutputHelper?.WriteLine($"./build.sh publish --no-build took {bundle.PublishTime.TotalSeconds:F0} s");

        var first = await _installation.InstallAsync(bundle, ct);

        foreach (var program in Programs)
        {
            var command = Path.Combine(_installation.Prefix, "bin", program);
            Assert.True(File.Exists(command), $"{command} is missing.\n{first}");
            Assert.True(File.GetUnixFileMode(command).HasFlag(UnixFileMode.OtherExecute), $"{command} is not executable for the service user.");
        }

        Assert.True(File.Exists(Path.Combine(_installation.Prefix, "orchestrator", "wwwroot", "index.html")), "the dashboard is not in the orchestrator's wwwroot");
        Assert.True(File.Exists(_installation.Command), "no devserver command in usr/local/bin");
        foreach (var unit in Units)
        {
            var text = await File.ReadAllTextAsync(Path.Combine(_installation.UnitDirectory, unit), ct);
            Assert.DoesNotContain("@PREFIX@", text, StringComparison.Ordinal);
        }

        Assert.Contains($"ExecStart={_installation.Prefix}/bin/devserver-sidecar-%i\n", await File.ReadAllTextAsync(Path.Combine(_installation.UnitDirectory, "devserver-sidecar@.service"), ct), StringComparison.Ordinal);
        foreach (var name in SettingsFiles)
        {
            var installed = Path.Combine(_installation.SettingsDirectory, name);
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(bundle.Path, "systemd", "env", name), ct), await File.ReadAllTextAsync(installed, ct));
            // systemd reads them as root; they hold keys and tokens.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(installed));
        }

        // The operator edits one file and removes another; the next install keeps the edit and restores the missing one.
        var edited = Path.Combine(_installation.SettingsDirectory, "orchestrator.env");
        EnvironmentFile.Set(edited, "Orchestrator__Endpoints__WebPort", "8081");
        await File.AppendAllTextAsync(edited, "# edited by the operator\n", ct);
        var editedText = await File.ReadAllTextAsync(edited, ct);
        File.Delete(Path.Combine(_installation.SettingsDirectory, "verifier.env"));
        var before = Snapshot(_installation.Root, except: "etc/devserver/verifier.env");

        var second = await _installation.InstallAsync(bundle, ct);

        Assert.Equal(editedText, await File.ReadAllTextAsync(edited, ct));
        Assert.Contains(
            "(kept as they were: orchestrator.env sidecar-claude.env sidecar-codex.env sidecar-gemini.env sidecar-glm.env sidecar-script.env worker.env)",
            second.StandardOutput,
            StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_installation.SettingsDirectory, "verifier.env")), "a missing settings file is not installed again");
        Assert.Equal(before, Snapshot(_installation.Root, except: "etc/devserver/verifier.env"));
    }

    [Fact]
    public async Task Install_IntoTheSystemRootWithoutRoot_RefusesSayingWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        var script = Path.Combine(bundle.Path, "install.sh");
        // As root, the refusal is shown by running the script as 'nobody' (who can reach the bundle: PublishedBundle).
        var result = Environment.IsPrivilegedProcess
            ? await ChildProcess.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", script], "/", TimeSpan.FromMinutes(1), ct)
            : await ChildProcess.RunAsync(script, [], "/", TimeSpan.FromMinutes(1), ct);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("installing into / needs root", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public async Task Install_TheInstalledReadme_EveryRelativeLinkOpensAFileOfTheInstallation()
    {
        var ct = TestContext.Current.CancellationToken;
        await _installation.InstallAsync(bundle, ct);
        var readme = Path.Combine(_installation.Prefix, "README.md");

        var links = MarkdownLink().Matches(await File.ReadAllTextAsync(readme, ct))
            .Select(match => match.Groups["target"].Value)
            .Where(target => !target.Contains("://", StringComparison.Ordinal) && !target.StartsWith('#'))
            .ToList();

        // The README links documents of the source tree; the bundle carries them (./build.sh publish).
        Assert.Contains("docs/verifier.md#sandbox", links);
        Assert.Contains("docs/delivery.md#encrypted-at-rest", links);
        Assert.All(links, target =>
        {
            var file = Path.GetFullPath(Path.Combine(_installation.Prefix, target.Split('#')[0]));
            Assert.True(
                File.Exists(file) && file.StartsWith(_installation.Prefix + "/", StringComparison.Ordinal),
                $"The installed README links {target}, which is not a file of the installation.");
        });
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    /// <summary>Every file, folder and link below <paramref name="root"/>: its mode, its content's hash or its target.</summary>
    private static List<string> Snapshot(string root, string except) =>
    [
        .. new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
            .Select(entry => (Relative: Path.GetRelativePath(root, entry.FullName), Entry: entry))
            .Where(item => item.Relative != except)
            .OrderBy(item => item.Relative, StringComparer.Ordinal)
            .Select(item => item.Entry switch
            {
                { LinkTarget: { } target } => $"{item.Relative} -> {target}",
                FileInfo file => $"{item.Relative} {file.UnixFileMode} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.FullName)))}",
                var folder => $"{item.Relative}/ {folder.UnixFileMode}",
            }),
    ];
}
