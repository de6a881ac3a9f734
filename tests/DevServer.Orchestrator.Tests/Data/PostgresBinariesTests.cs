using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Tests.Infrastructure;

namespace DevServer.Orchestrator.Tests.Data;

/// <summary>Finding initdb/pg_ctl/postgres, against folders of empty stand-in files.</summary>
public sealed class PostgresBinariesTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    [Fact]
    public void Find_NoneAnywhere_ThrowsSayingWhatToInstallOrConfigure()
    {
        var error = Assert.Throws<EmbeddedPostgresException>(() =>
            PostgresBinaries.Find(null, Path.Combine(_directory.Path, "empty"), preferredVersion: null, debianRoot: Path.Combine(_directory.Path, "none")));

        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Database:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Database:PostgresBinDirectory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_SeveralDebianVersions_ChoosesTheHighest()
    {
        var root = Path.Combine(_directory.Path, "lib");
        Install(Path.Combine(root, "9", "bin"));
        Install(Path.Combine(root, "15", "bin"));
        Install(Path.Combine(root, "13", "bin"));

        var found = PostgresBinaries.Find(null, "", preferredVersion: null, debianRoot: root);

        Assert.Equal(Path.Combine(root, "15", "bin"), found.Directory);
    }

    [Fact]
    public void Find_ClusterOfAnOlderVersion_ChoosesThatVersion()
    {
        var root = Path.Combine(_directory.Path, "lib");
        Install(Path.Combine(root, "13", "bin"));
        Install(Path.Combine(root, "15", "bin"));

        var found = PostgresBinaries.Find(null, "", preferredVersion: 13, debianRoot: root);

        Assert.Equal(Path.Combine(root, "13", "bin"), found.Directory);
    }

    [Fact]
    public void Find_OnPath_ChoosesThePathEntryWithAllPrograms()
    {
        var root = Path.Combine(_directory.Path, "lib");
        Install(Path.Combine(root, "15", "bin"));
        var partial = Path.Combine(_directory.Path, "partial");
        Directory.CreateDirectory(partial);
        File.WriteAllText(Path.Combine(partial, "pg_ctl"), "");
        var complete = Path.Combine(_directory.Path, "complete");
        Install(complete);

        var found = PostgresBinaries.Find(null, $"{partial}:{complete}", preferredVersion: null, debianRoot: root);

        Assert.Equal(complete, found.Directory);
    }

    public void Dispose() => _directory.Dispose();

    private static void Install(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var program in new[] { "initdb", "pg_ctl", "postgres" })
        {
            File.WriteAllText(Path.Combine(directory, program), "");
        }
    }
}
