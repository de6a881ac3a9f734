using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

public sealed class DirectCommitTests
{
    private static readonly Dictionary<string, string> Initial = new()
    {
        ["README.md"] = "# App\n",
        ["src/a.txt"] = "a1\na2\na3\n",
        ["src/b.txt"] = "b1\nb2\nb3\n",
    };

    [Fact]
    public async Task CommitDirect_UpstreamMovedElsewhere_RebasedSquashedPushed()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit,
            new Dictionary<string, string?> { ["src/a.txt"] = "a1\na2 changed by agent\na3\n" },
            new Dictionary<string, string?> { ["src/new.txt"] = "new\n" });
        var upstream = await PushUpstreamAsync(fixture, bare, new Dictionary<string, string?> { ["src/b.txt"] = "b1\nb2 changed upstream\nb3\n" });
        var message = BranchNames.CommitMessage(42, "Fix login bug", "What the agent did.");

        var outcome = await fixture.Delivery.CommitDirectAsync(DeliveryFixture.Remote(bare), series, baseCommit, message, fixture.Token);

        Assert.Equal(GitDeliveryStatus.Delivered, outcome.Status);
        Assert.Equal(outcome.Commit, await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/main"));
        Assert.Equal(upstream, await DeliveryFixture.Git(bare, "rev-parse", "main^"));
        Assert.Equal("[task 42] Fix login bug\n\nWhat the agent did.", await DeliveryFixture.Git(bare, "log", "-1", "--format=%B", "main"));
        Assert.Equal("a1\na2 changed by agent\na3", await DeliveryFixture.Git(bare, "show", "main:src/a.txt"));
        Assert.Equal("b1\nb2 changed upstream\nb3", await DeliveryFixture.Git(bare, "show", "main:src/b.txt"));
        Assert.Equal("new", await DeliveryFixture.Git(bare, "show", "main:src/new.txt"));
    }

    [Fact]
    public async Task CommitDirect_ConflictingUpstream_ConflictWithFilesDefaultUntouched()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit,
            new Dictionary<string, string?> { ["src/a.txt"] = "a1\nagent\na3\n", ["src/b.txt"] = "b1\nagent\nb3\n", ["README.md"] = "# App\nmore\n" });
        var upstream = await PushUpstreamAsync(fixture, bare, new Dictionary<string, string?> { ["src/a.txt"] = "a1\nhuman\na3\n", ["src/b.txt"] = "b1\nhuman\nb3\n" });

        var outcome = await fixture.Delivery.CommitDirectAsync(DeliveryFixture.Remote(bare), series, baseCommit, "[task 1] x\n", fixture.Token);

        Assert.Equal(GitDeliveryStatus.Conflict, outcome.Status);
        Assert.Equal(["src/a.txt", "src/b.txt"], outcome.ConflictingFiles);
        Assert.Contains("src/a.txt", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(upstream, await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/main"));
    }

    [Fact]
    public async Task CommitDirect_RaceOnFirstPush_RebasesOnceMoreAndSucceeds()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["src/a.txt"] = "a1\nagent\na3\n" });
        var racer = await fixture.Sandbox.CloneAsync(bare, "racer");
        string? raced = null;
        fixture.Delivery.BeforeDirectPush = async (attempt, _) =>
        {
            if (attempt == 1)
            {
                raced = await GitSandbox.CommitAsync(racer, new Dictionary<string, string?> { ["src/b.txt"] = "b1\nracer\nb3\n" }, "Racer");
                await DeliveryFixture.Git(racer, "push", "--quiet", "origin", "HEAD:refs/heads/main");
            }
        };

        var outcome = await fixture.Delivery.CommitDirectAsync(DeliveryFixture.Remote(bare), series, baseCommit, "[task 2] race\n", fixture.Token);

        Assert.Equal(GitDeliveryStatus.Delivered, outcome.Status);
        Assert.Equal(raced, await DeliveryFixture.Git(bare, "rev-parse", "main^"));
        Assert.Equal("b1\nracer\nb3", await DeliveryFixture.Git(bare, "show", "main:src/b.txt"));
        Assert.Equal("a1\nagent\na3", await DeliveryFixture.Git(bare, "show", "main:src/a.txt"));
    }

    [Fact]
    public async Task CommitDirect_RaceOnBothPushes_RejectedNeverForced()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["src/a.txt"] = "a1\nagent\na3\n" });
        var racer = await fixture.Sandbox.CloneAsync(bare, "racer");
        fixture.Delivery.BeforeDirectPush = async (attempt, _) =>
        {
            await GitSandbox.CommitAsync(racer, new Dictionary<string, string?> { [$"race{attempt}.txt"] = "x\n" }, $"Racer {attempt}");
            await DeliveryFixture.Git(racer, "push", "--quiet", "origin", "HEAD:refs/heads/main");
        };

        var outcome = await fixture.Delivery.CommitDirectAsync(DeliveryFixture.Remote(bare), series, baseCommit, "[task 3] race\n", fixture.Token);

        Assert.Equal(GitDeliveryStatus.Rejected, outcome.Status);
        Assert.True(outcome.Retryable);
        Assert.Equal(await DeliveryFixture.Git(racer, "rev-parse", "HEAD"), await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/main"));
    }

    [Fact]
    public async Task CommitDirect_ServerHookDeclines_RejectedFinalWithoutRetry()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["src/a.txt"] = "a1\nagent\na3\n" });
        var hook = Path.Combine(bare, "hooks", "pre-receive");
        await File.WriteAllTextAsync(hook, "#!/bin/sh\necho 'main is protected' >&2\nexit 1\n", fixture.Token);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var attempts = 0;
        fixture.Delivery.BeforeDirectPush = (_, _) =>
        {
            attempts++;
            return Task.CompletedTask;
        };

        var outcome = await fixture.Delivery.CommitDirectAsync(DeliveryFixture.Remote(bare), series, baseCommit, "[task 5] x\n", fixture.Token);

        Assert.Equal((GitDeliveryStatus.Rejected, false, 1), (outcome.Status, outcome.Retryable, attempts));
        Assert.Contains("main is protected", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(baseCommit, await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/main"));
    }

    [Fact]
    public async Task CommitDirect_WorkAlreadyUpstream_NothingToDeliver()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var change = new Dictionary<string, string?> { ["src/a.txt"] = "a1\nsame\na3\n" };
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, change);
        var upstream = await PushUpstreamAsync(fixture, bare, change);

        var outcome = await fixture.Delivery.CommitDirectAsync(DeliveryFixture.Remote(bare), series, baseCommit, "[task 4] same\n", fixture.Token);

        Assert.Equal(GitDeliveryStatus.NothingToDeliver, outcome.Status);
        Assert.Equal(upstream, await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/main"));
    }

    private static async Task<string> PushUpstreamAsync(DeliveryFixture fixture, string bare, IReadOnlyDictionary<string, string?> files)
    {
        var human = await fixture.Sandbox.CloneAsync(bare, $"human-{Guid.NewGuid():N}");
        var commit = await GitSandbox.CommitAsync(human, files, "Upstream change");
        await DeliveryFixture.Git(human, "push", "--quiet", "origin", "HEAD:refs/heads/main");
        return commit;
    }
}
