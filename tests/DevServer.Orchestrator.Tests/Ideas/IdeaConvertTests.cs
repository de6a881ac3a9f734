using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Ideas.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Templates.V1;
using DevServer.Orchestrator.Tests.Tasks;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Ideas;

/// <summary>ConvertIdeaToTask: the task goes through CreateTask's rules, and the link is stored with it or not at all.</summary>
public sealed class IdeaConvertTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    private IdeaService.IdeaServiceClient Ideas => new(orchestrator.AdminInvoker);

    [Fact(Timeout = TimeoutMs)]
    public async Task ConvertIdeaToTask_EmptyTitleAndDescription_TakenFromTheIdeaAndLinked()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var idea = await CreateIdeaAsync("Add a dark mode", "Use the **system** setting.\n", ct);

        var response = await ConvertAsync(idea.Id, new CreateTaskRequest { Repository = repository.Name }, ct);

        Assert.Equal(("Add a dark mode", "Use the **system** setting.\n"), (response.Task.Title, response.Task.Description));
        Assert.Equal((repository.Name, TaskStatus.Pending), (response.Task.Repository, response.Task.Status));
        Assert.Equal(response.Task.Id, response.Idea.TaskId);
        Assert.Equal(response.Idea, (await Ideas.GetIdeaAsync(new GetIdeaRequest { Id = idea.Id }, cancellationToken: ct)).Idea);
        var created = Assert.Single(await orchestrator.ReadEventsAsync(response.Task.Id, ct));
        Assert.Equal(new TaskCreated { Title = "Add a dark mode", Repository = repository.Name }, created.Created);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ConvertIdeaToTask_RequestFieldsAndTemplate_UsedLikeCreateTask()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var template = (await new TemplateService.TemplateServiceClient(orchestrator.AdminInvoker).CreateTemplateAsync(new CreateTemplateRequest
        {
            Template = new TaskTemplate { Name = orchestrator.UniqueName("idea preset"), Repository = repository.Name, Vendor = "gemini", Labels = { "idea" } },
        }, cancellationToken: ct)).Template;
        var idea = await CreateIdeaAsync("idea title", "idea text", ct);

        var task = (await ConvertAsync(idea.Id, new CreateTaskRequest { Title = "my title", Template = template.Name, Enqueue = true }, ct)).Task;

        Assert.Equal(("my title", "idea text"), (task.Title, task.Description));
        Assert.Equal((repository.Name, "gemini", "idea"), (task.Repository, task.Vendor, Assert.Single(task.Labels)));
        Assert.Equal(TaskStatus.Queued, task.Status);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ConvertIdeaToTask_LongIdeaTitle_TaskTitleCutToTheTaskLimit()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var idea = await CreateIdeaAsync(new string('w', 250), "", ct);

        var task = (await ConvertAsync(idea.Id, new CreateTaskRequest { Repository = repository.Name }, ct)).Task;

        Assert.Equal(200, task.Title.Length);
        Assert.EndsWith("w…", task.Title, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ConvertIdeaToTask_InvalidTask_NothingStoredAndTheIdeaStaysUnlinked()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var idea = await CreateIdeaAsync("doomed conversion", "text", ct);

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await ConvertAsync(
            idea.Id, new CreateTaskRequest { Repository = repository.Name, Vendor = "Not A Vendor" }, ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await ConvertAsync(
            idea.Id, new CreateTaskRequest { Repository = orchestrator.UniqueName("missing-repo") }, ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await ConvertAsync(
            idea.Id, new CreateTaskRequest { Repository = repository.Name, Template = "no such template" }, ct));

        Assert.Equal(0, (await Ideas.GetIdeaAsync(new GetIdeaRequest { Id = idea.Id }, cancellationToken: ct)).Idea.TaskId);
        Assert.Empty(await TasksOfAsync(repository, ct));
        // The idea can still become a task.
        var task = (await ConvertAsync(idea.Id, new CreateTaskRequest { Repository = repository.Name }, ct)).Task;
        Assert.Equal(task.Id, Assert.Single(await TasksOfAsync(repository, ct)).Id);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ConvertIdeaToTask_FolderOrAlreadyLinked_FailedPrecondition()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var folder = (await Ideas.CreateIdeaAsync(new CreateIdeaRequest { Kind = IdeaKind.Folder, Title = "a folder" }, cancellationToken: ct)).Idea;
        var idea = await CreateIdeaAsync("twice", "", ct);
        var first = (await ConvertAsync(idea.Id, new CreateTaskRequest { Repository = repository.Name }, ct)).Task;

        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await ConvertAsync(
            folder.Id, new CreateTaskRequest { Repository = repository.Name }, ct));
        var again = await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await ConvertAsync(
            idea.Id, new CreateTaskRequest { Repository = repository.Name }, ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await ConvertAsync(
            987_654, new CreateTaskRequest { Repository = repository.Name }, ct));

        Assert.Contains($"task {first.Id}", again.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(first.Id, Assert.Single(await TasksOfAsync(repository, ct)).Id);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ConvertIdeaToTask_TwoAtOnce_OneTaskAndOneFailedPrecondition()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var idea = await CreateIdeaAsync("raced", "", ct);

        var calls = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            try
            {
                return (Code: StatusCode.OK, TaskId: (await ConvertAsync(idea.Id, new CreateTaskRequest { Repository = repository.Name }, ct)).Task.Id);
            }
            catch (RpcException ex)
            {
                return (Code: ex.StatusCode, TaskId: 0L);
            }
        }, ct)).ToList();
        var results = await Task.WhenAll(calls);

        Assert.Equal([StatusCode.OK, StatusCode.FailedPrecondition], results.Select(r => r.Code).Order());
        var task = Assert.Single(await TasksOfAsync(repository, ct));
        Assert.Equal(task.Id, results.Max(r => r.TaskId));
        Assert.Equal(task.Id, (await Ideas.GetIdeaAsync(new GetIdeaRequest { Id = idea.Id }, cancellationToken: ct)).Idea.TaskId);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task DeleteTask_ConvertedIdea_UnlinkedAndConvertibleAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var idea = await CreateIdeaAsync("short-lived task", "", ct);
        var task = (await ConvertAsync(idea.Id, new CreateTaskRequest { Repository = repository.Name, Enqueue = false }, ct)).Task;

        await orchestrator.Tasks.DeleteTaskAsync(new DeleteTaskRequest { Id = task.Id }, cancellationToken: ct);

        Assert.Equal(0, (await Ideas.GetIdeaAsync(new GetIdeaRequest { Id = idea.Id }, cancellationToken: ct)).Idea.TaskId);
        var again = (await ConvertAsync(idea.Id, new CreateTaskRequest { Repository = repository.Name }, ct)).Task;
        Assert.NotEqual(task.Id, again.Id);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task DeleteIdea_Converted_TaskStays()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var idea = await CreateIdeaAsync("outlived by its task", "", ct);
        var task = (await ConvertAsync(idea.Id, new CreateTaskRequest { Repository = repository.Name }, ct)).Task;

        await Ideas.DeleteIdeaAsync(new DeleteIdeaRequest { Id = idea.Id }, cancellationToken: ct);

        Assert.Equal(task.Id, (await orchestrator.Tasks.GetTaskAsync(new GetTaskRequest { Id = task.Id }, cancellationToken: ct)).Task.Id);
    }

    private async Task<Idea> CreateIdeaAsync(string title, string content, CancellationToken cancellationToken) =>
        (await Ideas.CreateIdeaAsync(new CreateIdeaRequest { Kind = IdeaKind.Idea, Title = title, Content = content }, cancellationToken: cancellationToken)).Idea;

    private async Task<ConvertIdeaToTaskResponse> ConvertAsync(long id, CreateTaskRequest task, CancellationToken cancellationToken) =>
        await Ideas.ConvertIdeaToTaskAsync(new ConvertIdeaToTaskRequest { Id = id, Task = task }, cancellationToken: cancellationToken);

    private async Task<List<AgentTask>> TasksOfAsync(Repository repository, CancellationToken cancellationToken) =>
        [.. (await orchestrator.Tasks.ListTasksAsync(new ListTasksRequest { Repository = repository.Name }, cancellationToken: cancellationToken)).Tasks];
}
