using System.Globalization;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>ListTasks: its filters and its paging, each test in a repository of its own.</summary>
public sealed class TaskListTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    private TaskService.TaskServiceClient Tasks => orchestrator.Tasks;

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_PagesOfThree_TokensChainOverEveryTaskOnceNewestFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var created = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await orchestrator.CreateTaskAsync(repository, $"task {i}", ct)).Id);
        }

        var pages = new List<List<long>>();
        var token = "";
        do
        {
            var page = await Tasks.ListTasksAsync(
                new ListTasksRequest { Repository = repository.Name, PageSize = 3, PageToken = token }, cancellationToken: ct);
            pages.Add([.. page.Tasks.Select(t => t.Id)]);
            token = page.NextPageToken;
        }
        while (token.Length > 0 && pages.Count < 10);

        Assert.Equal([3, 3, 1], pages.Select(p => p.Count));
        Assert.Equal(created.AsEnumerable().Reverse(), pages.SelectMany(p => p));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_ExactlyOnePageFull_NoTokenAfterIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        for (var i = 0; i < 4; i++)
        {
            await orchestrator.CreateTaskAsync(repository, $"task {i}", ct);
        }

        var first = await Tasks.ListTasksAsync(new ListTasksRequest { Repository = repository.Name, PageSize = 2 }, cancellationToken: ct);
        var second = await Tasks.ListTasksAsync(
            new ListTasksRequest { Repository = repository.Name, PageSize = 2, PageToken = first.NextPageToken }, cancellationToken: ct);

        Assert.NotEmpty(first.NextPageToken);
        Assert.Equal(2, second.Tasks.Count);
        Assert.Empty(second.NextPageToken);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_PageSizeUnset_PagesOf50()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        for (var i = 0; i < 51; i++)
        {
            await orchestrator.CreateTaskAsync(repository, $"task {i}", ct);
        }

        var first = await Tasks.ListTasksAsync(new ListTasksRequest { Repository = repository.Name }, cancellationToken: ct);
        var rest = await Tasks.ListTasksAsync(new ListTasksRequest { Repository = repository.Name, PageToken = first.NextPageToken }, cancellationToken: ct);

        Assert.Equal(50, first.Tasks.Count);
        Assert.Single(rest.Tasks);
        Assert.Empty(rest.NextPageToken);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("not-a-token")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData(" 12")]
    [InlineData("99999999999999999999999")]
    public async Task ListTasks_BadPageToken_InvalidArgument(string token)
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Tasks.ListTasksAsync(
            new ListTasksRequest { PageToken = token }, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(-1)]
    [InlineData(201)]
    public async Task ListTasks_PageSizeOutOfRange_InvalidArgument(int pageSize)
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Tasks.ListTasksAsync(
            new ListTasksRequest { PageSize = pageSize }, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_StatusFilter_OnlyTasksInThoseStatuses()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var pending = await orchestrator.CreateTaskAsync(repository, "pending", ct);
        var queued = await orchestrator.CreateTaskAsync(repository, "queued", ct, request => request.Enqueue = true);
        var cancelled = await orchestrator.CreateTaskAsync(repository, "cancelled", ct);
        await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = cancelled.Id }, cancellationToken: ct);

        Assert.Equal([pending.Id], await IdsAsync(repository, ct, request => request.Statuses.Add(TaskStatus.Pending)));
        Assert.Equal([cancelled.Id, queued.Id], await IdsAsync(repository, ct, request => request.Statuses.Add([TaskStatus.Queued, TaskStatus.Cancelled])));
        Assert.Empty(await IdsAsync(repository, ct, request => request.Statuses.Add(TaskStatus.Done)));
        Assert.Equal([cancelled.Id, queued.Id, pending.Id], await IdsAsync(repository, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_UnspecifiedStatus_InvalidArgument()
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Tasks.ListTasksAsync(
            new ListTasksRequest { Statuses = { TaskStatus.Pending, TaskStatus.Unspecified } }, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_RepositoryByNameOrId_OnlyThatRepositorysTasks()
    {
        var ct = TestContext.Current.CancellationToken;
        var mine = await orchestrator.AddRepositoryAsync(ct);
        var other = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(mine, "mine", ct);
        await orchestrator.CreateTaskAsync(other, "not mine", ct);

        var byName = await Tasks.ListTasksAsync(new ListTasksRequest { Repository = mine.Name }, cancellationToken: ct);
        var byId = await Tasks.ListTasksAsync(
            new ListTasksRequest { Repository = mine.Id.ToString(CultureInfo.InvariantCulture) }, cancellationToken: ct);

        Assert.Equal(task, Assert.Single(byName.Tasks));
        Assert.Equal(task, Assert.Single(byId.Tasks));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_UnknownRepository_NotFound()
    {
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Tasks.ListTasksAsync(
            new ListTasksRequest { Repository = "never-added" }, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_VendorFilter_OnlyThatVendorsTasks()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var vendor = orchestrator.UniqueName("vendor");
        var theirs = await orchestrator.CreateTaskAsync(repository, "theirs", ct, request => request.Vendor = vendor);
        await orchestrator.CreateTaskAsync(repository, "script's", ct);

        Assert.Equal([theirs.Id], await IdsAsync(repository, ct, request => request.Vendor = vendor));
        Assert.Equal([theirs.Id], (await Tasks.ListTasksAsync(new ListTasksRequest { Vendor = vendor }, cancellationToken: ct)).Tasks.Select(t => t.Id));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_LabelFilter_OnlyTasksCarryingIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var label = orchestrator.UniqueName("label");
        var both = await orchestrator.CreateTaskAsync(repository, "both", ct, request => request.Labels.Add(["other", label]));
        var only = await orchestrator.CreateTaskAsync(repository, "only", ct, request => request.Labels.Add(label));
        await orchestrator.CreateTaskAsync(repository, "unlabelled", ct);
        await orchestrator.CreateTaskAsync(repository, "prefix only", ct, request => request.Labels.Add(label + "x"));

        Assert.Equal([only.Id, both.Id], await IdsAsync(repository, ct, request => request.Label = label));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_FiltersWithPaging_PagesOverTheFilteredTasksOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var label = orchestrator.UniqueName("label");
        var labelled = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            // Every other task carries the label, so filtered pages must skip over the others.
            var task = await orchestrator.CreateTaskAsync(repository, $"task {i}", ct, request =>
            {
                if (i % 2 == 0)
                {
                    request.Labels.Add(label);
                }
            });
            if (i % 2 == 0)
            {
                labelled.Add(task.Id);
            }
        }

        var first = await Tasks.ListTasksAsync(new ListTasksRequest { Label = label, PageSize = 2 }, cancellationToken: ct);
        var second = await Tasks.ListTasksAsync(new ListTasksRequest { Label = label, PageSize = 2, PageToken = first.NextPageToken }, cancellationToken: ct);

        Assert.Equal(labelled.AsEnumerable().Reverse(), first.Tasks.Concat(second.Tasks).Select(t => t.Id));
        Assert.Empty(second.NextPageToken);
    }

    private async Task<List<long>> IdsAsync(Repository repository, CancellationToken cancellationToken, Action<ListTasksRequest>? configure = null)
    {
        var request = new ListTasksRequest { Repository = repository.Name };
        configure?.Invoke(request);
        var response = await Tasks.ListTasksAsync(request, cancellationToken: cancellationToken);
        Assert.Empty(response.NextPageToken);
        return [.. response.Tasks.Select(t => t.Id)];
    }
}
