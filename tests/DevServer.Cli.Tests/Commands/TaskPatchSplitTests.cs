using System.Text;
using DevServer.Cli.Commands;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts.Tasks.V1;
using DevServer.Testing;
using Google.Protobuf;

namespace DevServer.Cli.Tests.Commands;

/// <summary>
/// <c>task patch --split dir</c> and the splitting behind it, against series that real git wrote (git format-patch into
/// a folder is the reference: same names, same bytes) and a scripted orchestrator serving the combined mbox.
/// </summary>
public sealed class TaskPatchSplitTests : ScriptedOrchestratorTest
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromMinutes(1);

    // A fixed identity and no user or system configuration (format.*, am.*), so git writes what the product's git writes.
    private static readonly Dictionary<string, string> GitEnvironment = new()
    {
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_AUTHOR_NAME"] = "Agent Smith",
        ["GIT_AUTHOR_EMAIL"] = "agent@example.com",
        ["GIT_COMMITTER_NAME"] = "DevServer",
        ["GIT_COMMITTER_EMAIL"] = "devserver@example.com",
    };

    // The options the workers' Workspace.FormatPatchAsync passes.
    private static readonly string[] FormatPatch = ["format-patch", "--binary", "--no-cover-letter", "--no-numbered", "--no-signature"];

    [Fact]
    public async Task TaskPatch_Split_WritesFormatPatchFilesThatGitAmAppliesInOrder()
    {
        var repository = await RepositoryAsync("repo");
        var baseCommit = await CommitAsync(repository, "Initial commit", ("README", "hello\n"));
        await CommitAsync(repository, "Fix: the parser's (edge) case... with \"quotes\" & stuff!!", ("parser.txt", "edge\n"));
        await CommitAsync(
            repository,
            "Café — naïve façade: a subject long enough that git folds its Subject header and cuts the file name\n\n" +
            "From the docs: a body line that starts like an mbox separator but is none.\n",
            ("logo.bin", Encoding.Latin1.GetString([.. Enumerable.Range(0, 256).Select(b => (byte)b)])));
        await CommitAsync(repository, "[wip] x=?utf-8?q?y?= under_score; 100% done", ("parser.txt", "edge\nfixed\n"));
        var expected = await FormatPatchFilesAsync(repository, baseCommit);
        Server.State.Patch = new GetTaskPatchResponse
        {
            Attempt = 1, BaseCommit = baseCommit, CommitCount = 3, Verified = true,
            PatchSeries = ByteString.CopyFrom(await FormatPatchMboxAsync(repository, baseCommit)),
        };
        var folder = Path.Combine(Data, "series");

        var result = await RunAsync("task", "patch", "7", "--split", folder);

        Assert.True(result.ExitCode == 0, result.ToString());
        var written = new List<PatchFile>();
        foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            written.Add(new PatchFile(Path.GetFileName(file), await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken)));
        }

        AssertSameFiles(expected, written);

        Assert.Contains("0002-Caf-na-ve-fa-ade-a-subject-long-enough-that-git-fold.patch", result.Out, StringComparison.Ordinal);
        var clone = await RepositoryAsync("clone");
        await GitAsync(clone, "fetch", "--quiet", repository, "HEAD");
        await GitAsync(clone, "checkout", "--quiet", baseCommit);
        // As the product applies a series: --keep-non-patch keeps "[wip]" in the subject, dropping only "[PATCH]".
        await GitAsync(clone, ["am", "--quiet", "--keep-non-patch", .. expected.Select(f => Path.Combine(folder, f.Name))]);
        Assert.Equal(await GitAsync(repository, "rev-parse", "HEAD^{tree}"), await GitAsync(clone, "rev-parse", "HEAD^{tree}"));
        Assert.Equal(await GitAsync(repository, "log", "--format=%an%n%B", $"{baseCommit}..HEAD"), await GitAsync(clone, "log", "--format=%an%n%B", $"{baseCommit}..HEAD"));
    }

    [Fact]
    public async Task Split_BodyLineIsAFormatPatchHeader_SplitsOnlyWhereGitStartedAFile()
    {
        var repository = await RepositoryAsync("repo");
        var baseCommit = await CommitAsync(repository, "Initial commit", ("README", "hello\n"));
        // Quoting a patch in a message: the exact header line, after an empty line, at the start of a line.
        await CommitAsync(
            repository,
            "Quote a patch\n\nFrom 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nSubject: not a patch\n",
            ("a", "a\n"));
        await CommitAsync(repository, "Second", ("b", "b\n"));

        var files = PatchFiles.Split(await FormatPatchMboxAsync(repository, baseCommit));

        AssertSameFiles(await FormatPatchFilesAsync(repository, baseCommit), files);
    }

    [Theory]
    [InlineData("Fix: the parser's (edge) case... with \"quotes\" & stuff!!", "0001-Fix-the-parser-s-edge-case.-with-quotes-stuff.patch")]
    [InlineData("...leading dots and ..trailing.. --", "0001-.leading-dots-and-.trailing.patch")]
    [InlineData("  -- ", "0001-.patch")]
    [InlineData("A very long ASCII subject line that surely goes past the seventy-eight column limit", "0001-A-very-long-ASCII-subject-line-that-surely-goes-past.patch")]
    [InlineData("Trailing dash cut: 123456789012345678901234567890123 long", "0001-Trailing-dash-cut-123456789012345678901234567890123-.patch")]
    [InlineData("Café — naïve façade: a subject long enough that git folds its Subject header and cuts the file name", "0001-Caf-na-ve-fa-ade-a-subject-long-enough-that-git-fold.patch")]
    public void FileName_Subject_NamedAsGitFormatPatchNamesIt(string subject, string expected)
    {
        Assert.Equal(expected, PatchFiles.FileName(1, subject));
    }

    [Fact]
    public void Subject_FoldedEncodedWords_DecodedWithoutThePatchPrefix()
    {
        const string patch =
            "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.com>\n" +
            "Subject: [PATCH] =?UTF-8?q?[tag]=20x=3D=3Futf-8=3Fq=3Fy=3F=3D=20under=5Fsc?=\n =?UTF-8?q?ore?=\n\nbody\n";

        Assert.Equal("[tag] x=?utf-8?q?y?= under_score", PatchFiles.Subject(patch));
    }

    [Fact]
    public void Split_NotAFormatPatchSeries_Throws()
    {
        Assert.Empty(PatchFiles.Split([]));
        Assert.Throws<FormatException>(() => PatchFiles.Split(Encoding.UTF8.GetBytes("diff --git a/x b/x\n")));
    }

    [Fact]
    public async Task TaskPatch_SplitWithOutput_UsageErrorAndNothingAsked()
    {
        var result = await RunAsync("task", "patch", "7", "--split", Path.Combine(Data, "series"), "-o", Path.Combine(Data, "x.mbox"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--split cannot be combined with --output or --stat", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Data, "series")));
    }

    // Names in order and bytes (a record compares its byte array by reference).
    private static void AssertSameFiles(List<PatchFile> expected, IReadOnlyList<PatchFile> actual)
    {
        Assert.Equal(expected.Select(f => f.Name), actual.Select(f => f.Name));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Content, actual[i].Content);
        }
    }

    private async Task<string> RepositoryAsync(string name)
    {
        var path = Directory.CreateDirectory(Path.Combine(Data, name)).FullName;
        await GitAsync(path, "init", "--quiet");
        return path;
    }

    private static async Task<string> CommitAsync(string repository, string message, params (string Path, string Latin1Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            await File.WriteAllBytesAsync(Path.Combine(repository, path), Encoding.Latin1.GetBytes(content), TestContext.Current.CancellationToken);
            await GitAsync(repository, "add", path);
        }

        var messageFile = Path.Combine(repository, ".git", "message.txt");
        await File.WriteAllTextAsync(messageFile, message, TestContext.Current.CancellationToken);
        await GitAsync(repository, "commit", "--quiet", "--file", messageFile);
        return await GitAsync(repository, "rev-parse", "HEAD");
    }

    // What the workers store and the API serves: the whole series in one mbox.
    private async Task<byte[]> FormatPatchMboxAsync(string repository, string baseCommit)
    {
        var mbox = Path.Combine(Data, $"{Guid.NewGuid():N}.mbox");
        await GitAsync(repository, [.. FormatPatch, $"--output={mbox}", $"{baseCommit}..HEAD"]);
        return await File.ReadAllBytesAsync(mbox, TestContext.Current.CancellationToken);
    }

    // The reference: git's own files for the same commits.
    private async Task<List<PatchFile>> FormatPatchFilesAsync(string repository, string baseCommit)
    {
        var folder = Path.Combine(Data, $"reference-{Guid.NewGuid():N}");
        await GitAsync(repository, [.. FormatPatch, "--quiet", "-o", folder, $"{baseCommit}..HEAD"]);
        var files = new List<PatchFile>();
        foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            files.Add(new PatchFile(Path.GetFileName(file), await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken)));
        }

        return files;
    }

    private static Task<string> GitAsync(string directory, params string[] arguments) => GitAsync(directory, (IReadOnlyList<string>)arguments);

    private static async Task<string> GitAsync(string directory, IReadOnlyList<string> arguments)
    {
        var result = await ChildProcess.RunAsync("git", arguments, directory, GitTimeout, TestContext.Current.CancellationToken, GitEnvironment);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.Trim();
    }
}
