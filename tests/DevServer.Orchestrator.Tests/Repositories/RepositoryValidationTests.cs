using DevServer.Contracts.Repositories.V1;
using DevServer.Orchestrator.Tests.Tasks;
using Google.Protobuf.WellKnownTypes;
using Rpc;

namespace DevServer.Orchestrator.Tests.Repositories;

/// <summary>
/// AddRepository's field rules: names, locations git could misread, branch names, commands, time limits and attempt
/// counts. A refused request stores nothing.
/// </summary>
public sealed class RepositoryValidationTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    private RepositoryService.RepositoryServiceClient Repositories => orchestrator.Repositories;

    [Theory(Timeout = TimeoutMs)]
    [InlineData("")]
    [InlineData("1starts-with-a-digit")]
    [InlineData("-dash")]
    [InlineData("has space")]
    [InlineData("has/slash")]
    [InlineData("trailing-newline\n")]
    [InlineData("a0123456789012345678901234567890123456789012345678901234567890123")]
    public async Task AddRepository_InvalidName_InvalidArgumentAndNothingStored(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await CountAsync(ct);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.AddRepositoryAsync(
            new AddRepositoryRequest { Name = name, Location = "/srv/git/x" }, cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("name", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync(ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AddRepository_NameOf64Characters_Accepted()
    {
        var name = "z" + orchestrator.UniqueName("max").PadRight(63, '9');

        var added = await Repositories.AddRepositoryAsync(
            new AddRepositoryRequest { Name = name, Location = "/srv/git/x" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(64, added.Repository.Name.Length);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("")]
    [InlineData("relative/path")]
    [InlineData("--upload-pack=touch /tmp/pwned")]
    [InlineData("-oProxyCommand=evil")]
    [InlineData("/srv/../etc/passwd")]
    [InlineData("/srv/git/..")]
    [InlineData("ftp://example.com/repo.git")]
    [InlineData("/srv/git/with\nnewline")]
    public async Task AddRepository_InvalidLocation_InvalidArgument(string location)
    {
        var error = await AddInvalidAsync(request => request.Location = location);

        Assert.Contains("location", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("https://example.com/team/app.git")]
    [InlineData("ssh://git@example.com/team/app.git")]
    [InlineData("git://example.com/app.git")]
    [InlineData("file:///srv/git/app.git")]
    [InlineData("git@example.com:team/app.git")]
    [InlineData("/srv/git/app")]
    public async Task AddRepository_ValidLocation_StoredAsGiven(string location)
    {
        var added = await orchestrator.AddRepositoryAsync(TestContext.Current.CancellationToken, request => request.Location = location);

        Assert.Equal(location, added.Location);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AddRepository_LocationLongerThan1024_InvalidArgument()
    {
        await AddInvalidAsync(request => request.Location = "/" + new string('a', 1024));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("-main")]
    [InlineData("/main")]
    [InlineData(".hidden")]
    [InlineData("main/")]
    [InlineData("main.")]
    [InlineData("main.lock")]
    [InlineData("a..b")]
    [InlineData("a//b")]
    [InlineData("a/.b")]
    [InlineData("with space")]
    [InlineData("semi;colon")]
    [InlineData("main\n")]
    public async Task AddRepository_InvalidDefaultBranch_InvalidArgument(string branch)
    {
        var error = await AddInvalidAsync(request => request.DefaultBranch = branch);

        Assert.Contains("default_branch", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("pre")]
    [InlineData("build")]
    [InlineData("test")]
    [InlineData("lint")]
    public async Task AddRepository_CommandWithNul_InvalidArgumentNamingTheCommand(string stage)
    {
        var error = await AddInvalidAsync(request => request.Commands = Commands(stage, "make\0 test"));

        Assert.Contains($"commands.{stage}", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AddRepository_CommandOver8KiB_InvalidArgument()
    {
        var error = await AddInvalidAsync(request => request.Commands = Commands("test", new string('x', 8 * 1024 + 1)));

        Assert.Contains("commands.test", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("stage_timeout", 0)]
    [InlineData("stage_timeout", 6 * 3600 + 1)]
    [InlineData("attempt_timeout", 0)]
    [InlineData("attempt_timeout", -60)]
    [InlineData("attempt_timeout", 24 * 3600 + 1)]
    public async Task AddRepository_TimeoutOutOfRange_InvalidArgumentNamingTheField(string field, long seconds)
    {
        var duration = new Duration { Seconds = seconds };

        var error = await AddInvalidAsync(request =>
        {
            if (field == "stage_timeout")
            {
                request.StageTimeout = duration;
            }
            else
            {
                request.AttemptTimeout = duration;
            }
        });

        Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AddRepository_DurationNotNormalized_InvalidArgument()
    {
        // Seconds and nanos of opposite signs are not a valid Duration.
        var error = await AddInvalidAsync(request => request.AttemptTimeout = new Duration { Seconds = 120, Nanos = -1 });

        Assert.Contains("attempt_timeout", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(-1)]
    [InlineData(11)]
    public async Task AddRepository_MaxAttemptsOutOfRange_InvalidArgument(int maxAttempts)
    {
        var error = await AddInvalidAsync(request => request.MaxAttempts = maxAttempts);

        Assert.Contains("max_attempts", error.Status.Detail, StringComparison.Ordinal);
    }

    private async Task<int> CountAsync(CancellationToken cancellationToken) =>
        (await Repositories.ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: cancellationToken)).Repositories.Count;

    /// <summary>Adds a repository with one field spoiled by <paramref name="spoil"/>; expects INVALID_ARGUMENT and no new repository.</summary>
    private async Task<RpcException> AddInvalidAsync(Action<AddRepositoryRequest> spoil)
    {
        var ct = TestContext.Current.CancellationToken;
        var request = new AddRepositoryRequest { Name = orchestrator.UniqueName("invalid"), Location = "/srv/git/x" };
        spoil(request);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.AddRepositoryAsync(request, cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var lookup = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.GetRepositoryAsync(
            new GetRepositoryRequest { Repository = request.Name }, cancellationToken: ct));
        Assert.Equal(StatusCode.NotFound, lookup.StatusCode);
        return error;
    }

    private static VerificationCommands Commands(string stage, string command)
    {
        var commands = new VerificationCommands();
        switch (stage)
        {
            case "pre":
                commands.Pre = command;
                break;
            case "build":
                commands.Build = command;
                break;
            case "test":
                commands.Test = command;
                break;
            default:
                commands.Lint = command;
                break;
        }

        return commands;
    }
}