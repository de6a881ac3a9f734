using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Tests.Tasks;
using Google.Protobuf.WellKnownTypes;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Repositories;

/// <summary>RepositoryService on the running orchestrator: adding, finding, listing, changing and removing repositories.</summary>
public sealed class RepositoryApiTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    private RepositoryService.RepositoryServiceClient Repositories => orchestrator.Repositories;

    [Fact(Timeout = TimeoutMs)]
    public async Task AddRepository_OnlyNameAndLocation_StoresTheDocumentedDefaults()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = orchestrator.UniqueName("defaults");

        var added = (await Repositories.AddRepositoryAsync(
            new AddRepositoryRequest { Name = name, Location = "https://git.example.com/team/app.git" }, cancellationToken: ct)).Repository;

        Assert.True(added.Id > 0);
        Assert.Equal(name, added.Name);
        Assert.Equal("https://git.example.com/team/app.git", added.Location);
        Assert.Equal("main", added.DefaultBranch);
        Assert.Equal(new VerificationCommands(), added.Commands);
        Assert.Equal(TimeSpan.FromMinutes(10), added.StageTimeout.ToTimeSpan());
        Assert.Equal(2, added.MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(60), added.AttemptTimeout.ToTimeSpan());
        Assert.NotNull(added.CreatedAt);
        Assert.Equal(added.CreatedAt, added.UpdatedAt);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetRepository_ByNameAndById_ReturnsWhatAddStored()
    {
        var ct = TestContext.Current.CancellationToken;
        var added = await orchestrator.AddRepositoryAsync(ct, request =>
        {
            request.DefaultBranch = "develop";
            request.Commands = new VerificationCommands { Pre = "make deps", Build = "make", Test = "make test", Lint = "make lint" };
            request.StageTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(3));
            request.MaxAttempts = 5;
            request.AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(20));
        });

        var byName = await Repositories.GetRepositoryAsync(new GetRepositoryRequest { Repository = added.Name }, cancellationToken: ct);
        var byId = await Repositories.GetRepositoryAsync(new GetRepositoryRequest { Repository = added.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken: ct);

        Assert.Equal(added, byName.Repository);
        Assert.Equal(added, byId.Repository);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("no-such-repository")]
    [InlineData("987654")]
    public async Task GetRepository_Unknown_NotFound(string reference)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.GetRepositoryAsync(
            new GetRepositoryRequest { Repository = reference }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListRepositories_AddedOutOfOrder_OrderedByName()
    {
        var ct = TestContext.Current.CancellationToken;
        var stem = orchestrator.UniqueName("order");
        foreach (var suffix in new[] { "c", "a", "B", "b" })
        {
            await Repositories.AddRepositoryAsync(new AddRepositoryRequest { Name = stem + suffix, Location = "/srv/git/x" }, cancellationToken: ct);
        }

        var names = (await Repositories.ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: ct)).Repositories
            .Select(r => r.Name).ToList();

        // The embedded cluster uses the C locale: names sort by their bytes, capitals first.
        Assert.Equal([stem + "B", stem + "a", stem + "b", stem + "c"], names.Where(n => n.StartsWith(stem, StringComparison.Ordinal)));
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AddRepository_DuplicateName_AlreadyExistsAndTheFirstIsKept()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await orchestrator.AddRepositoryAsync(ct);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.AddRepositoryAsync(
            new AddRepositoryRequest { Name = first.Name, Location = "/srv/git/other", MaxAttempts = 7 }, cancellationToken: ct));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        var kept = await Repositories.GetRepositoryAsync(new GetRepositoryRequest { Repository = first.Name }, cancellationToken: ct);
        Assert.Equal(first, kept.Repository);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateRepository_OnlyMaxAttemptsSet_ChangesOnlyMaxAttempts()
    {
        var ct = TestContext.Current.CancellationToken;
        var added = await orchestrator.AddRepositoryAsync(ct, request =>
        {
            request.DefaultBranch = "trunk";
            request.Commands = new VerificationCommands { Build = "make", Test = "make check" };
            request.StageTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(4));
            request.AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(9));
        });

        var updated = (await Repositories.UpdateRepositoryAsync(
            new UpdateRepositoryRequest { Repository = added.Name, MaxAttempts = 6 }, cancellationToken: ct)).Repository;

        var expected = added.Clone();
        expected.MaxAttempts = 6;
        expected.UpdatedAt = updated.UpdatedAt;
        Assert.Equal(expected, updated);
        Assert.True(updated.UpdatedAt.ToDateTimeOffset() >= added.UpdatedAt.ToDateTimeOffset());
        Assert.Equal(updated, (await Repositories.GetRepositoryAsync(new GetRepositoryRequest { Repository = added.Name }, cancellationToken: ct)).Repository);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateRepository_ByIdLocationBranchAndTimeouts_ChangesThoseAndKeepsCommands()
    {
        var ct = TestContext.Current.CancellationToken;
        var added = await orchestrator.AddRepositoryAsync(ct, request => request.Commands = new VerificationCommands { Test = "make check" });

        var updated = (await Repositories.UpdateRepositoryAsync(new UpdateRepositoryRequest
        {
            Repository = added.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Location = "ssh://git@example.com/moved.git",
            DefaultBranch = "release/2.0",
            StageTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
            AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(2)),
        }, cancellationToken: ct)).Repository;

        Assert.Equal("ssh://git@example.com/moved.git", updated.Location);
        Assert.Equal("release/2.0", updated.DefaultBranch);
        Assert.Equal(TimeSpan.FromMinutes(1), updated.StageTimeout.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMinutes(2), updated.AttemptTimeout.ToTimeSpan());
        Assert.Equal(added.Commands, updated.Commands);
        Assert.Equal(added.MaxAttempts, updated.MaxAttempts);
        Assert.Equal(added.Name, updated.Name);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateRepository_CommandsSet_ReplacesAllFour()
    {
        var ct = TestContext.Current.CancellationToken;
        var added = await orchestrator.AddRepositoryAsync(ct, request =>
            request.Commands = new VerificationCommands { Pre = "p", Build = "b", Test = "t", Lint = "l" });

        var updated = (await Repositories.UpdateRepositoryAsync(new UpdateRepositoryRequest
        {
            Repository = added.Name,
            Commands = new VerificationCommands { Test = "npm test" },
        }, cancellationToken: ct)).Repository;

        Assert.Equal(new VerificationCommands { Test = "npm test" }, updated.Commands);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateRepository_OneInvalidField_InvalidArgumentAndNothingChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        var added = await orchestrator.AddRepositoryAsync(ct);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.UpdateRepositoryAsync(new UpdateRepositoryRequest
        {
            Repository = added.Name,
            Location = "/srv/git/fine",
            DefaultBranch = "bad..branch",
        }, cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(added, (await Repositories.GetRepositoryAsync(new GetRepositoryRequest { Repository = added.Name }, cancellationToken: ct)).Repository);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateRepository_Unknown_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.UpdateRepositoryAsync(
            new UpdateRepositoryRequest { Repository = "never-added", MaxAttempts = 3 }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RemoveRepository_TaskQueued_FailedPreconditionAndEverythingKept()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        // No worker offers this vendor, so the task stays queued.
        var queued = await orchestrator.CreateTaskAsync(repository, "waits in the queue", ct, request =>
        {
            request.Vendor = orchestrator.UniqueName("nobody");
            request.Enqueue = true;
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.RemoveRepositoryAsync(
            new RemoveRepositoryRequest { Repository = repository.Name }, cancellationToken: ct));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(repository, (await Repositories.GetRepositoryAsync(new GetRepositoryRequest { Repository = repository.Name }, cancellationToken: ct)).Repository);
        Assert.Equal(TaskStatus.Queued, (await orchestrator.Tasks.GetTaskAsync(new GetTaskRequest { Id = queued.Id }, cancellationToken: ct)).Task.Status);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RemoveRepository_OnlyPendingAndFinishedTasks_RemovesThemWithTheirEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var other = await orchestrator.AddRepositoryAsync(ct);
        var pending = await orchestrator.CreateTaskAsync(repository, "pending", ct);
        var cancelled = await orchestrator.CreateTaskAsync(repository, "cancelled", ct, request => request.Enqueue = true);
        await orchestrator.Tasks.CancelTaskAsync(new CancelTaskRequest { Id = cancelled.Id }, cancellationToken: ct);
        var elsewhere = await orchestrator.CreateTaskAsync(other, "in another repository", ct);

        await Repositories.RemoveRepositoryAsync(new RemoveRepositoryRequest { Repository = repository.Name }, cancellationToken: ct);

        var gone = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.GetRepositoryAsync(
            new GetRepositoryRequest { Repository = repository.Name }, cancellationToken: ct));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        foreach (var task in new[] { pending, cancelled })
        {
            var taskGone = await Assert.ThrowsAsync<RpcException>(async () => await orchestrator.Tasks.GetTaskAsync(
                new GetTaskRequest { Id = task.Id }, cancellationToken: ct));
            Assert.Equal(StatusCode.NotFound, taskGone.StatusCode);
            var eventsGone = await Assert.ThrowsAsync<RpcException>(async () => await orchestrator.Events.ListTaskEventsAsync(
                new Contracts.Events.V1.ListTaskEventsRequest { TaskId = task.Id }, cancellationToken: ct));
            Assert.Equal(StatusCode.NotFound, eventsGone.StatusCode);
        }

        Assert.Equal(TaskStatus.Pending, (await orchestrator.Tasks.GetTaskAsync(new GetTaskRequest { Id = elsewhere.Id }, cancellationToken: ct)).Task.Status);
        Assert.Single(await orchestrator.ReadEventsAsync(elsewhere.Id, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RemoveRepository_ByIdAfterItsQueuedTaskIsCancelled_Removed()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var queued = await orchestrator.CreateTaskAsync(repository, "queued", ct, request =>
        {
            request.Vendor = orchestrator.UniqueName("nobody");
            request.Enqueue = true;
        });
        var id = repository.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Assert.ThrowsAsync<RpcException>(async () => await Repositories.RemoveRepositoryAsync(
            new RemoveRepositoryRequest { Repository = id }, cancellationToken: ct));

        await orchestrator.Tasks.CancelTaskAsync(new CancelTaskRequest { Id = queued.Id }, cancellationToken: ct);
        await Repositories.RemoveRepositoryAsync(new RemoveRepositoryRequest { Repository = id }, cancellationToken: ct);

        var names = (await Repositories.ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: ct)).Repositories.Select(r => r.Name);
        Assert.DoesNotContain(repository.Name, names);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RemoveRepository_Unknown_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Repositories.RemoveRepositoryAsync(
            new RemoveRepositoryRequest { Repository = "never-added" }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}
