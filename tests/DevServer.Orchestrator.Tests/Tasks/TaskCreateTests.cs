using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using Google.Protobuf.WellKnownTypes;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>CreateTask: what is stored, the defaults it takes from the repository, and the requests it refuses.</summary>
public sealed class TaskCreateTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    private TaskService.TaskServiceClient Tasks => orchestrator.Tasks;

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_WithoutEnqueue_PendingWithOnlyACreatedEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);

        var task = await orchestrator.CreateTaskAsync(repository, "  Add a greeting  ", ct);

        Assert.Equal(TaskStatus.Pending, task.Status);
        Assert.Equal("Add a greeting", task.Title);
        Assert.Equal(repository.Id, task.RepositoryId);
        Assert.Equal(repository.Name, task.Repository);
        Assert.Equal(1, task.LastEventSequence);
        var created = Assert.Single(await orchestrator.ReadEventsAsync(task.Id, ct));
        Assert.Equal(new TaskCreated { Title = "Add a greeting", Repository = repository.Name }, created.Created);
        Assert.Equal((task.Id, 1L, 0), (created.TaskId, created.Sequence, created.Attempt));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_Enqueue_QueuedWithCreatedThenStatusChanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);

        var task = await orchestrator.CreateTaskAsync(repository, "queued at once", ct, request => request.Enqueue = true);

        Assert.Equal(TaskStatus.Queued, task.Status);
        var events = await orchestrator.ReadEventsAsync(task.Id, ct);
        Assert.Equal([1L, 2L], events.Select(e => e.Sequence));
        Assert.NotNull(events[0].Created);
        Assert.Equal(TaskStatus.Pending, events[1].StatusChanged.From);
        Assert.Equal(TaskStatus.Queued, events[1].StatusChanged.To);
        Assert.Equal(events[0].Position + 1, events[1].Position);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_ByRepositoryId_CreatedEventNamesTheRepository()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);

        var task = await orchestrator.CreateTaskAsync(repository, "by id", ct,
            request => request.Repository = repository.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(repository.Name, task.Repository);
        var created = Assert.Single(await orchestrator.ReadEventsAsync(task.Id, ct));
        // The event says "The repository's name", the same as the task; not whatever reference the caller used.
        Assert.Equal(repository.Name, created.Created.Repository);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_FieldsUnset_DefaultsFromTheRepositoryAndTheContract()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct, request =>
        {
            request.DefaultBranch = "develop";
            request.MaxAttempts = 4;
            request.AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(7));
        });

        var task = await orchestrator.CreateTaskAsync(repository, "defaults", ct);

        Assert.Equal("develop", task.BaseBranch);
        Assert.Equal(4, task.MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(7), task.AttemptTimeout.ToTimeSpan());
        Assert.Equal(3, task.Priority);
        Assert.Equal("script", task.Vendor);
        Assert.Equal("", task.Model);
        Assert.Equal("", task.BaseCommit);
        Assert.Equal(0, task.AttemptsUsed);
        Assert.False(task.SkipVerification);
        Assert.Empty(task.Labels);
        Assert.Null(task.NotBefore);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_FieldsSet_OverrideTheRepositoryDefaults()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct, request => request.MaxAttempts = 4);

        var task = await orchestrator.CreateTaskAsync(repository, "explicit", ct, request =>
        {
            request.Description = "Do the thing.";
            request.Acceptance = "The thing is done.";
            request.Priority = 1;
            request.Vendor = "claude";
            request.Model = "claude-sonnet-4.5";
            request.BaseBranch = "feature/x";
            request.MaxAttempts = 1;
            request.AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(90));
            request.SkipVerification = true;
            request.Labels.Add(["ui", "quick-win"]);
        });

        Assert.Equal(("Do the thing.", "The thing is done.", 1), (task.Description, task.Acceptance, task.Priority));
        Assert.Equal(("claude", "claude-sonnet-4.5", "feature/x"), (task.Vendor, task.Model, task.BaseBranch));
        Assert.Equal(1, task.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(90), task.AttemptTimeout.ToTimeSpan());
        Assert.True(task.SkipVerification);
        Assert.Equal(["ui", "quick-win"], task.Labels);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_RepositoryDefaultsChangedLater_OldTasksKeepTheirCopyNewTasksGetTheNewOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var before = await orchestrator.CreateTaskAsync(repository, "before", ct);

        await orchestrator.Repositories.UpdateRepositoryAsync(new UpdateRepositoryRequest
        {
            Repository = repository.Name,
            DefaultBranch = "next",
            MaxAttempts = 9,
            AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(3)),
        }, cancellationToken: ct);
        var after = await orchestrator.CreateTaskAsync(repository, "after", ct);

        Assert.Equal(before, await GetAsync(before.Id, ct));
        Assert.Equal(("main", 2, TimeSpan.FromHours(1)), (before.BaseBranch, before.MaxAttempts, before.AttemptTimeout.ToTimeSpan()));
        Assert.Equal(("next", 9, TimeSpan.FromMinutes(3)), (after.BaseBranch, after.MaxAttempts, after.AttemptTimeout.ToTimeSpan()));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_DuplicateLabels_StoredOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);

        var task = await orchestrator.CreateTaskAsync(repository, "labels", ct, request => request.Labels.Add(["a", "b", "a"]));

        Assert.Equal(["a", "b"], task.Labels);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("title-control-character")]
    [InlineData("priority-negative")]
    [InlineData("priority-five")]
    [InlineData("vendor-uppercase")]
    [InlineData("vendor-trailing-newline")]
    [InlineData("model-with-space")]
    [InlineData("base-branch-dots")]
    [InlineData("base-branch-trailing-newline")]
    [InlineData("max-attempts-eleven")]
    [InlineData("max-attempts-negative")]
    [InlineData("attempt-timeout-zero")]
    [InlineData("attempt-timeout-over-a-day")]
    [InlineData("acceptance-over-16-kib")]
    [InlineData("description-with-nul")]
    [InlineData("label-with-space")]
    [InlineData("label-trailing-newline")]
    [InlineData("label-empty")]
    [InlineData("labels-21")]
    public async Task CreateTask_InvalidField_InvalidArgumentAndNothingStored(string spoiled)
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var request = new CreateTaskRequest { Repository = repository.Name, Title = "valid", Enqueue = true };
        Spoil(request, spoiled);

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Tasks.CreateTaskAsync(request, cancellationToken: ct));

        var stored = await Tasks.ListTasksAsync(new ListTasksRequest { Repository = repository.Name }, cancellationToken: ct);
        Assert.Empty(stored.Tasks);
    }

    private async Task<AgentTask> GetAsync(long id, CancellationToken cancellationToken) =>
        (await Tasks.GetTaskAsync(new GetTaskRequest { Id = id }, cancellationToken: cancellationToken)).Task;

    private static void Spoil(CreateTaskRequest request, string spoiled)
    {
        switch (spoiled)
        {
            case "title-control-character":
                request.Title = "a\tb";
                break;
            case "priority-negative":
                request.Priority = -1;
                break;
            case "priority-five":
                request.Priority = 5;
                break;
            case "vendor-uppercase":
                request.Vendor = "Script";
                break;
            case "vendor-trailing-newline":
                request.Vendor = "script\n";
                break;
            case "model-with-space":
                request.Model = "big model";
                break;
            case "base-branch-dots":
                request.BaseBranch = "a..b";
                break;
            case "base-branch-trailing-newline":
                request.BaseBranch = "main\n";
                break;
            case "max-attempts-eleven":
                request.MaxAttempts = 11;
                break;
            case "max-attempts-negative":
                request.MaxAttempts = -2;
                break;
            case "attempt-timeout-zero":
                request.AttemptTimeout = new Duration();
                break;
            case "attempt-timeout-over-a-day":
                request.AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
                break;
            case "acceptance-over-16-kib":
                request.Acceptance = new string('x', 16 * 1024 + 1);
                break;
            case "description-with-nul":
                request.Description = "before\0after";
                break;
            case "label-with-space":
                request.Labels.Add("two words");
                break;
            case "label-trailing-newline":
                request.Labels.Add("ui\n");
                break;
            case "label-empty":
                request.Labels.Add("");
                break;
            case "labels-21":
                request.Labels.Add(Enumerable.Range(0, 21).Select(i => $"l{i}"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(spoiled), spoiled, "Unknown case.");
        }
    }
}
