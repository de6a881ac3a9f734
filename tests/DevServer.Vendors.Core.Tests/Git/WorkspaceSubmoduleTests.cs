using DevServer.Processes;
using DevServer.Vendors.Core.Git;

namespace DevServer.Vendors.Core.Tests.Git;

public sealed class WorkspaceSubmoduleTests : IDisposable
{
    private readonly string _root = TempFolder.Create("workspace");

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    private static Task<string> GitAsync(string directory, params string[] arguments) =>
        SourceRepository.GitAsync(directory, TestToken, arguments);

    public void Dispose() => TempFolder.Delete(_root);

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_NestedSubmodulesByRelativeUrl_ChecksThemOutAtTheRecordedCommits()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var logged = new List<string>();

        var prepared = await new Workspace(_root).PrepareWorktreeAsync(
            family.Source, "main", "", "1-1", "devserver/task-1", line => logged.Add(line.Text), TestToken);

        Assert.True(prepared.Succeeded, prepared.Error);
        // The task's log says which submodule came from where, at which commit.
        Assert.Contains(logged, line => line.Contains("(lib) checked out at " + family.LibCommit + " from " + family.Lib, StringComparison.Ordinal));
        Assert.Contains(logged, line => line.Contains("(lib/deps/nested) checked out at " + family.NestedCommit + " from " + family.Nested, StringComparison.Ordinal));
        var lib = Path.Combine(prepared.Path, "lib");
        var nested = Path.Combine(lib, "deps", "nested");
        Assert.Equal("lib v1\n", await File.ReadAllTextAsync(Path.Combine(lib, "l.txt"), TestToken));
        Assert.Equal("nested v1\n", await File.ReadAllTextAsync(Path.Combine(nested, "n.txt"), TestToken));
        Assert.Equal(family.LibCommit, await GitAsync(lib, "rev-parse", "HEAD"));
        Assert.Equal(family.NestedCommit, await GitAsync(nested, "rev-parse", "HEAD"));
        // Each submodule's origin is its real location (nested resolved against lib's), not the workspace's cache.
        Assert.Equal(family.Lib, await GitAsync(lib, "remote", "get-url", "origin"));
        Assert.Equal(family.Nested, await GitAsync(nested, "remote", "get-url", "origin"));
        Assert.Equal(string.Empty, await GitAsync(prepared.Path, "status", "--porcelain", "--untracked-files=all", "--ignore-submodules=none"));
        Assert.Equal("devserver/task-1", await GitAsync(prepared.Path, "symbolic-ref", "--short", "HEAD"));
        // Nothing was written to the clone cache's configuration (shared by all its worktrees).
        var cache = Path.Combine(_root, "cache", "sample.git");
        Assert.Equal(1, (await SourceRepository.TryGitAsync(cache, TestToken, "config", "--local", "--get-regexp", "^(submodule|protocol)\\.")).ExitCode);
        Assert.Equal(3, Directory.GetDirectories(Path.Combine(_root, "cache")).Length);
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_SubmoduleOriginsGoneAfterFirstPreparation_ReusesTheSubmoduleCaches()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var first = await workspace.PrepareWorktreeAsync(family.Source, "main", "", "1-1", null, null, TestToken);
        // The submodules' origins move away: only the caches can still give their recorded commits.
        Directory.Move(family.Lib, family.Lib + "-moved");
        Directory.Move(family.Nested, family.Nested + "-moved");

        var second = await workspace.PrepareWorktreeAsync(family.Source, "main", "", "2-1", null, null, TestToken);

        Assert.True(first.Succeeded, first.Error);
        Assert.True(second.Succeeded, second.Error);
        Assert.Equal("lib v1\n", await File.ReadAllTextAsync(Path.Combine(second.Path, "lib", "l.txt"), TestToken));
        Assert.Equal("nested v1\n", await File.ReadAllTextAsync(Path.Combine(second.Path, "lib", "deps", "nested", "n.txt"), TestToken));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_GitlinkWithoutGitmodules_LeavesTheFolderEmptyAndMakesNoSubmoduleCache()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        // A commit recorded as a gitlink with no .gitmodules (a nested repository added by accident): no URL to fetch.
        await GitAsync(source.Path, "update-index", "--add", "--cacheinfo", $"160000,{new string('1', 40)},vendored");
        await GitAsync(source.Path, "commit", "--quiet", "--message", "Gitlink");

        var prepared = await new Workspace(_root).PrepareWorktreeAsync(source.Source, "main", "", "1-1", null, null, TestToken);

        Assert.True(prepared.Succeeded, prepared.Error);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(prepared.Path, "vendored")));
        Assert.Equal([Path.Combine(_root, "cache", "sample.git")], Directory.GetDirectories(Path.Combine(_root, "cache")));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_SubmoduleUrlUnreachable_FailsNamingThePathAndUrl()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        TempFolder.Delete(family.Lib);

        var prepared = await new Workspace(_root).PrepareWorktreeAsync(family.Source, "main", "", "1-1", null, null, TestToken);

        Assert.False(prepared.Succeeded);
        Assert.Contains("submodule 'lib' (path lib, URL " + family.Lib + ")", prepared.Error, StringComparison.Ordinal);
        Assert.Contains("does not appear to be a git repository", prepared.Error, StringComparison.Ordinal);
        // A submodule cache that never fetched is no cache.
        Assert.Equal([Path.Combine(_root, "cache", "sample.git")], Directory.GetDirectories(Path.Combine(_root, "cache")));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_RecordedCommitMissingInSubmoduleOrigin_FailsNamingSubmoduleAndCommit()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var missing = new string('e', 40);
        await GitAsync(family.Super, "update-index", "--cacheinfo", $"160000,{missing},lib");
        await GitAsync(family.Super, "commit", "--quiet", "--message", "Points lib at a commit lib never had");

        var prepared = await new Workspace(_root).PrepareWorktreeAsync(family.Source, "main", "", "1-1", null, null, TestToken);

        Assert.False(prepared.Succeeded);
        Assert.Contains("submodule 'lib' (path lib, URL " + family.Lib + ")", prepared.Error, StringComparison.Ordinal);
        Assert.Contains($"the commit {missing} is not in {family.Lib}", prepared.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_AbsoluteLocalSubmoduleUrl_RefusedFromALocalPathAndFromAUrl()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        // Only a relative URL of a superproject at a local path may be local; an absolute local path gets git's policy,
        // whether the superproject is reached by its path or as a URL.
        await GitAsync(family.Super, "config", "--file", ".gitmodules", "submodule.lib.url", family.Lib);
        await GitAsync(family.Super, "commit", "--quiet", "--all", "--message", "Absolute local URL");
        var remote = new DevServer.Contracts.Work.V1.RepositorySource { Name = "sample", Location = "file://" + family.Super };

        var fromUrl = await new Workspace(_root).PrepareWorktreeAsync(remote, "main", "", "1-1", null, null, TestToken);
        var fromPath = await new Workspace(_root).PrepareWorktreeAsync(family.Source, "main", "", "1-2", null, null, TestToken);

        Assert.False(fromUrl.Succeeded);
        Assert.Contains("transport 'file' not allowed", fromUrl.Error, StringComparison.Ordinal);
        Assert.False(fromPath.Succeeded);
        Assert.Contains($"submodule 'lib' (path lib, URL {family.Lib})", fromPath.Error, StringComparison.Ordinal);
        Assert.Contains("transport 'file' not allowed", fromPath.Error, StringComparison.Ordinal);
        Assert.Contains("fetched only when .gitmodules gives it relative to a superproject", fromPath.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_Submodules_CopiesTheCacheObjectsRatherThanHardLinkingThem()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);

        var prepared = await new Workspace(_root).PrepareWorktreeAsync(family.Source, "main", "", "1-1", null, null, TestToken);

        Assert.True(prepared.Succeeded, prepared.Error);
        // Objects the worktree's owner could chmod and overwrite must not be the cache's own files (one link each).
        foreach (var objects in new[] { Path.Combine(prepared.Path, "lib", ".git", "objects"), Path.Combine(prepared.Path, "lib", "deps", "nested", ".git", "objects") })
        {
            Assert.NotEmpty(await FindAsync(objects, "-type", "f"));
            Assert.Equal(string.Empty, await FindAsync(objects, "-type", "f", "-links", "+1"));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_SubmoduleUrlWithCredentials_MasksThemInTheErrorAndTheLog()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        // Port 9 (discard) on loopback: nothing listens, so the fetch fails at once, after git has been given the URL.
        const string Url = "https://agent:s3cr3t-token@127.0.0.1:9/org/lib.git";
        await GitAsync(source.Path, "config", "--file", ".gitmodules", "submodule.lib.path", "lib");
        await GitAsync(source.Path, "config", "--file", ".gitmodules", "submodule.lib.url", Url);
        await GitAsync(source.Path, "update-index", "--add", "--cacheinfo", $"160000,{new string('1', 40)},lib");
        await GitAsync(source.Path, "add", ".gitmodules");
        await GitAsync(source.Path, "commit", "--quiet", "--message", "Submodule with a token in its URL");
        var logged = new List<string>();

        var prepared = await new Workspace(_root).PrepareWorktreeAsync(source.Source, "main", "", "1-1", null, line => logged.Add(line.Text), TestToken);

        Assert.False(prepared.Succeeded);
        Assert.Contains("submodule 'lib' (path lib, URL https://***@127.0.0.1:9/org/lib.git)", prepared.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", prepared.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(logged, line => line.Contains("s3cr3t", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://user:token@forge.example/org/lib.git", "https://***@forge.example/org/lib.git")]
    [InlineData("fatal: unable to access 'https://x-access-token:ghp_abc@github.com/o/r/': 403", "fatal: unable to access 'https://***@github.com/o/r/': 403")]
    [InlineData("from ssh://git@forge.example:2222/lib and http://u:p@ss@h/x", "from ssh://***@forge.example:2222/lib and http://***@h/x")]
    [InlineData("https://forge.example/org/lib.git", "https://forge.example/org/lib.git")]
    [InlineData("git@forge.example:org/lib.git", "git@forge.example:org/lib.git")]
    [InlineData("/srv/git/lib and mail me@example.org", "/srv/git/lib and mail me@example.org")]
    public void MaskCredentials_HidesTheUserInfoOfUrls(string text, string expected) =>
        Assert.Equal(expected, Workspace.MaskCredentials(text));

    [Theory]
    [InlineData("/srv/git/app", "../lib.git", "/srv/git/lib.git")]
    [InlineData("/srv/git/app/", "./lib", "/srv/git/app/lib")]
    [InlineData("https://forge.example/org/app.git", "../../other/lib", "https://forge.example/other/lib")]
    [InlineData("git@forge.example:app.git", "../lib.git", "git@forge.example:lib.git")]
    [InlineData("git@forge.example:org/app.git", "../lib.git", "git@forge.example:org/lib.git")]
    [InlineData("/srv/git/app", "https://forge.example/lib.git", "https://forge.example/lib.git")]
    [InlineData("/srv/git/app", "--upload-pack=touch /tmp/x", null)]
    public void ResolveSubmoduleUrl_AsGitDoes(string baseUrl, string url, string? expected) =>
        Assert.Equal(expected, Workspace.ResolveSubmoduleUrl(baseUrl, url));

    private static async Task<string> FindAsync(string folder, params string[] tests)
    {
        var found = await ProcessRunner.CaptureAsync(new ProcessSpec("find", [folder, .. tests]), TestToken);
        Assert.Equal(0, found.ExitCode);
        return found.StandardOutput.Trim();
    }
}
