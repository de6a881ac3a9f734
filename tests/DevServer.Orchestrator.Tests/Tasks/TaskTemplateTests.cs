using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Templates.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Orchestrator.Tests.Templates;
using Google.Protobuf.WellKnownTypes;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>CreateTaskRequest.template: the template fills what the request leaves empty, and the result is validated as one request.</summary>
public sealed class TaskTemplateTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    private TemplateService.TemplateServiceClient Templates => new(orchestrator.AdminInvoker);

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_TemplateAndEmptyRequest_TakesEveryTemplateField()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var preset = TemplateApiTests.Full(orchestrator.UniqueName("preset"));
        preset.Repository = repository.Name;
        var template = (await Templates.CreateTemplateAsync(new CreateTemplateRequest { Template = preset }, cancellationToken: ct)).Template;

        var task = (await orchestrator.Tasks.CreateTaskAsync(
            new CreateTaskRequest { Title = "from a template", Template = template.Name, Enqueue = false }, cancellationToken: ct)).Task;

        Assert.Equal((repository.Name, "from a template"), (task.Repository, task.Title));
        Assert.Equal((preset.Description, preset.Acceptance, preset.Priority), (task.Description, task.Acceptance, task.Priority));
        Assert.Equal((preset.Vendor, preset.Model, preset.BackupVendor, preset.BackupModel), (task.Vendor, task.Model, task.BackupVendor, task.BackupModel));
        Assert.Equal(preset.TurnLimit, task.TurnLimit);
        Assert.Equal((preset.BillingMode, preset.DeliveryFlow, true), (task.BillingMode, task.DeliveryFlow, task.SkipVerification));
        Assert.Equal(preset.Labels, task.Labels);
        Assert.Equal(preset.AllowedTools, task.AllowedTools);
        Assert.Equal(TaskStatus.Pending, task.Status);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_TemplateAndFullRequest_TheRequestWins()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var other = await orchestrator.AddRepositoryAsync(ct);
        var preset = TemplateApiTests.Full(orchestrator.UniqueName("preset"));
        preset.Repository = other.Name;
        preset.SkipVerification = false;
        var template = (await Templates.CreateTemplateAsync(new CreateTemplateRequest { Template = preset }, cancellationToken: ct)).Template;

        // By id this time: the request names the template either way.
        var task = await orchestrator.CreateTaskAsync(repository, "request wins", ct, request =>
        {
            request.Template = template.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            request.Description = "mine";
            request.Acceptance = "my acceptance";
            request.Priority = 4;
            request.Vendor = "codex";
            request.Model = "gpt-5";
            request.BackupVendor = "glm";
            request.BackupModel = "glm-4.6";
            request.TurnLimit = new TurnLimit { Unlimited = true };
            request.BillingMode = BillingMode.ApiKey;
            request.DeliveryFlow = DeliveryFlow.Patch;
            request.SkipVerification = true;
            request.Labels.Add("mine");
            request.AllowedTools.Add("Edit");
            request.MaxAttempts = 5;
            request.AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(5));
        });

        Assert.Equal(repository.Name, task.Repository);
        Assert.Equal(("mine", "my acceptance", 4), (task.Description, task.Acceptance, task.Priority));
        Assert.Equal(("codex", "gpt-5", "glm", "glm-4.6"), (task.Vendor, task.Model, task.BackupVendor, task.BackupModel));
        Assert.True(task.TurnLimit.Unlimited);
        Assert.Equal((BillingMode.ApiKey, DeliveryFlow.Patch, true), (task.BillingMode, task.DeliveryFlow, task.SkipVerification));
        Assert.Equal(["mine"], task.Labels);
        Assert.Equal(["Edit"], task.AllowedTools);
        Assert.Equal((5, TimeSpan.FromMinutes(5)), (task.MaxAttempts, task.AttemptTimeout.ToTimeSpan()));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_RequestSkipsVerificationTemplateDoesNot_Skipped()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var template = (await Templates.CreateTemplateAsync(
            new CreateTemplateRequest { Template = new TaskTemplate { Name = orchestrator.UniqueName("plain") } }, cancellationToken: ct)).Template;

        var skipped = await orchestrator.CreateTaskAsync(repository, "skips", ct, request =>
        {
            request.Template = template.Name;
            request.SkipVerification = true;
        });
        var verified = await orchestrator.CreateTaskAsync(repository, "verifies", ct, request => request.Template = template.Name);

        Assert.True(skipped.SkipVerification);
        Assert.False(verified.SkipVerification);
        Assert.Equal(("script", 3), (verified.Vendor, verified.Priority));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_UnknownTemplate_NotFoundAndNothingStored()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);

        var error = await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await orchestrator.CreateTaskAsync(
            repository, "no template", ct, request => request.Template = "no such template"));

        Assert.Contains("no such template", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(await TasksOfAsync(repository.Name, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_MergedRequestInvalid_InvalidArgumentAndNothingStored()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        // Valid on its own (the backup differs from the default vendor); with the request's vendor it would change nothing.
        var template = (await Templates.CreateTemplateAsync(new CreateTemplateRequest
        {
            Template = new TaskTemplate { Name = orchestrator.UniqueName("backup"), BackupVendor = "claude" },
        }, cancellationToken: ct)).Template;

        var error = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await orchestrator.CreateTaskAsync(
            repository, "clash", ct, request =>
            {
                request.Template = template.Name;
                request.Vendor = "claude";
            }));

        Assert.Contains("backup_vendor", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(await TasksOfAsync(repository.Name, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_NoRepositoryAnywhere_InvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        var template = (await Templates.CreateTemplateAsync(
            new CreateTemplateRequest { Template = new TaskTemplate { Name = orchestrator.UniqueName("norepo") } }, cancellationToken: ct)).Template;

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await orchestrator.Tasks.CreateTaskAsync(
            new CreateTaskRequest { Title = "where?", Template = template.Name }, cancellationToken: ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_TemplateDeletedAfterwards_TaskKeepsItsValues()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var template = (await Templates.CreateTemplateAsync(new CreateTemplateRequest
        {
            Template = new TaskTemplate { Name = orchestrator.UniqueName("gone"), Vendor = "gemini", Labels = { "kept" } },
        }, cancellationToken: ct)).Template;
        var task = await orchestrator.CreateTaskAsync(repository, "outlives", ct, request => request.Template = template.Name);

        await Templates.DeleteTemplateAsync(new DeleteTemplateRequest { Id = template.Id }, cancellationToken: ct);

        var read = (await orchestrator.Tasks.GetTaskAsync(new GetTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;
        Assert.Equal(("gemini", "kept"), (read.Vendor, Assert.Single(read.Labels)));
    }

    private async Task<List<AgentTask>> TasksOfAsync(string repository, CancellationToken cancellationToken) =>
        [.. (await orchestrator.Tasks.ListTasksAsync(new ListTasksRequest { Repository = repository }, cancellationToken: cancellationToken)).Tasks];
}
