using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Templates.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Orchestrator.Tests.Tasks;
using Rpc;

namespace DevServer.Orchestrator.Tests.Templates;

/// <summary>TemplateService against the real orchestrator: storing, reading, replacing and deleting presets, and what it refuses.</summary>
public sealed class TemplateApiTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    private TemplateService.TemplateServiceClient Templates => new(orchestrator.AdminInvoker);

    /// <summary>A template with every field set, under a fresh name.</summary>
    internal static TaskTemplate Full(string name)
    {
        var template = new TaskTemplate
        {
            Name = name,
            Description = "Fix what the report says.",
            Acceptance = "The tests pass.",
            Repository = "some-repo",
            Priority = 2,
            Vendor = "claude",
            Model = "claude-sonnet-4.5",
            BackupVendor = "gemini",
            BackupModel = "gemini-2.5-pro",
            TurnLimit = new TurnLimit { MaxTurns = 40 },
            BillingMode = BillingMode.Subscription,
            DeliveryFlow = DeliveryFlow.PullRequest,
            SkipVerification = true,
        };
        template.Labels.Add(["bug", "quick"]);
        template.AllowedTools.Add(["Bash(git:*)", "Read"]);
        return template;
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTemplate_EveryField_StoredAndReadBackByNameIdAndList()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = orchestrator.UniqueName("full template ");

        var created = (await Templates.CreateTemplateAsync(new CreateTemplateRequest { Template = Full(name) }, cancellationToken: ct)).Template;
        var byName = (await Templates.GetTemplateAsync(new GetTemplateRequest { Template = name }, cancellationToken: ct)).Template;
        var byId = (await Templates.GetTemplateAsync(new GetTemplateRequest { Template = created.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken: ct)).Template;
        var listed = (await Templates.ListTemplatesAsync(new ListTemplatesRequest(), cancellationToken: ct)).Templates;

        Assert.True(created.Id > 0);
        Assert.NotNull(created.CreatedAt);
        Assert.Equal(created.CreatedAt, created.UpdatedAt);
        var expected = Full(name);
        expected.Id = created.Id;
        expected.CreatedAt = created.CreatedAt;
        expected.UpdatedAt = created.UpdatedAt;
        Assert.Equal(expected, created);
        Assert.Equal(created, byName);
        Assert.Equal(created, byId);
        Assert.Contains(created, listed);
        Assert.Equal(listed.Select(t => t.Name).Order(StringComparer.Ordinal), listed.Select(t => t.Name));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTemplate_NameOnly_EverythingElseEmpty()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = orchestrator.UniqueName("bare");

        var created = (await Templates.CreateTemplateAsync(
            new CreateTemplateRequest { Template = new TaskTemplate { Name = $"  {name}  " } }, cancellationToken: ct)).Template;

        Assert.Equal(name, created.Name);
        Assert.Equal((0, "", "", "", null), (created.Priority, created.Vendor, created.Repository, created.BackupVendor, created.TurnLimit));
        Assert.Equal((BillingMode.Unspecified, DeliveryFlow.Unspecified, false), (created.BillingMode, created.DeliveryFlow, created.SkipVerification));
        Assert.Empty(created.Labels);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTemplate_NameInUse_AlreadyExistsAndTheFirstIsKept()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = orchestrator.UniqueName("taken");
        var first = (await Templates.CreateTemplateAsync(new CreateTemplateRequest { Template = Full(name) }, cancellationToken: ct)).Template;

        await RpcAssert.FailsAsync(StatusCode.AlreadyExists, async () => await Templates.CreateTemplateAsync(
            new CreateTemplateRequest { Template = new TaskTemplate { Name = name, Vendor = "codex" } }, cancellationToken: ct));

        Assert.Equal(first, (await Templates.GetTemplateAsync(new GetTemplateRequest { Template = name }, cancellationToken: ct)).Template);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("name", "")]
    [InlineData("name", "   ")]
    [InlineData("name", "42")]
    [InlineData("name", "tab\tinside")]
    [InlineData("name_length", "")]
    [InlineData("vendor", "Claude")]
    [InlineData("model", "a model")]
    [InlineData("priority", "5")]
    [InlineData("priority", "-1")]
    [InlineData("turn_limit", "0")]
    [InlineData("turn_limit", "10001")]
    [InlineData("label", "no spaces")]
    [InlineData("labels", "21")]
    [InlineData("tool", "a,b")]
    [InlineData("backup", "same")]
    [InlineData("billing", "99")]
    [InlineData("flow", "99")]
    [InlineData("description", "nul")]
    [InlineData("acceptance", "big")]
    [InlineData("repository", "long")]
    public async Task CreateTemplate_InvalidField_InvalidArgumentAndNothingStored(string field, string value)
    {
        var ct = TestContext.Current.CancellationToken;
        var name = orchestrator.UniqueName("invalid");
        var template = new TaskTemplate { Name = name };
        switch (field)
        {
            case "name":
                template.Name = value;
                break;
            case "name_length":
                template.Name = new string('n', 101);
                break;
            case "vendor":
                template.Vendor = value;
                break;
            case "model":
                template.Model = value;
                break;
            case "priority":
                template.Priority = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                break;
            case "turn_limit":
                template.TurnLimit = new TurnLimit { MaxTurns = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) };
                break;
            case "label":
                template.Labels.Add(value);
                break;
            case "labels":
                template.Labels.Add(Enumerable.Range(0, 21).Select(i => $"l{i}"));
                break;
            case "tool":
                template.AllowedTools.Add(value);
                break;
            case "backup":
                // With no vendor the task gets "script": a backup of script with the same (default) model changes nothing.
                template.BackupVendor = "script";
                break;
            case "billing":
                template.BillingMode = (BillingMode)99;
                break;
            case "flow":
                template.DeliveryFlow = (DeliveryFlow)99;
                break;
            case "description":
                template.Description = "a\0b";
                break;
            case "acceptance":
                template.Acceptance = new string('a', (16 * 1024) + 1);
                break;
            case "repository":
                template.Repository = new string('r', 65);
                break;
        }

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Templates.CreateTemplateAsync(
            new CreateTemplateRequest { Template = template }, cancellationToken: ct));

        var listed = (await Templates.ListTemplatesAsync(new ListTemplatesRequest(), cancellationToken: ct)).Templates;
        Assert.DoesNotContain(listed, t => t.Name == template.Name.Trim() || t.Name == name);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTemplate_NoTemplate_InvalidArgument() =>
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Templates.CreateTemplateAsync(
            new CreateTemplateRequest(), cancellationToken: TestContext.Current.CancellationToken));

    [Fact(Timeout = TimeoutMs)]
    public async Task GetTemplate_Unknown_NotFound()
    {
        var ct = TestContext.Current.CancellationToken;

        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Templates.GetTemplateAsync(
            new GetTemplateRequest { Template = "no such template" }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Templates.GetTemplateAsync(
            new GetTemplateRequest { Template = "987654" }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Templates.GetTemplateAsync(
            new GetTemplateRequest(), cancellationToken: ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTemplate_EveryField_ReplacedAndCreatedAtKept()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = (await Templates.CreateTemplateAsync(
            new CreateTemplateRequest { Template = Full(orchestrator.UniqueName("before")) }, cancellationToken: ct)).Template;
        var renamed = orchestrator.UniqueName("after");

        var updated = (await Templates.UpdateTemplateAsync(new UpdateTemplateRequest
        {
            Template = new TaskTemplate { Id = created.Id, Name = renamed, Vendor = "codex", Labels = { "only" } },
        }, cancellationToken: ct)).Template;

        Assert.Equal((created.Id, renamed, "codex"), (updated.Id, updated.Name, updated.Vendor));
        Assert.Equal(("", "", 0, null), (updated.Description, updated.BackupVendor, updated.Priority, updated.TurnLimit));
        Assert.Equal(["only"], updated.Labels);
        Assert.Empty(updated.AllowedTools);
        Assert.False(updated.SkipVerification);
        Assert.Equal(created.CreatedAt, updated.CreatedAt);
        Assert.True(updated.UpdatedAt >= created.UpdatedAt);
        Assert.Equal(updated, (await Templates.GetTemplateAsync(new GetTemplateRequest { Template = renamed }, cancellationToken: ct)).Template);
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Templates.GetTemplateAsync(
            new GetTemplateRequest { Template = created.Name }, cancellationToken: ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTemplate_ToAnotherTemplatesName_AlreadyExistsAndUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = (await Templates.CreateTemplateAsync(new CreateTemplateRequest { Template = Full(orchestrator.UniqueName("one")) }, cancellationToken: ct)).Template;
        var second = (await Templates.CreateTemplateAsync(new CreateTemplateRequest { Template = Full(orchestrator.UniqueName("two")) }, cancellationToken: ct)).Template;

        var renamed = second.Clone();
        renamed.Name = first.Name;
        await RpcAssert.FailsAsync(StatusCode.AlreadyExists, async () => await Templates.UpdateTemplateAsync(
            new UpdateTemplateRequest { Template = renamed }, cancellationToken: ct));

        Assert.Equal(second, (await Templates.GetTemplateAsync(new GetTemplateRequest { Template = second.Name }, cancellationToken: ct)).Template);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTemplate_UnknownIdOrInvalidField_NotFoundOrInvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = (await Templates.CreateTemplateAsync(new CreateTemplateRequest { Template = Full(orchestrator.UniqueName("upd")) }, cancellationToken: ct)).Template;

        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Templates.UpdateTemplateAsync(
            new UpdateTemplateRequest { Template = new TaskTemplate { Id = 987_654, Name = orchestrator.UniqueName("ghost") } }, cancellationToken: ct));
        var invalid = created.Clone();
        invalid.Priority = 9;
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Templates.UpdateTemplateAsync(
            new UpdateTemplateRequest { Template = invalid }, cancellationToken: ct));

        Assert.Equal(created, (await Templates.GetTemplateAsync(new GetTemplateRequest { Template = created.Name }, cancellationToken: ct)).Template);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task DeleteTemplate_Existing_GoneAndASecondDeleteNotFound()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = (await Templates.CreateTemplateAsync(new CreateTemplateRequest { Template = Full(orchestrator.UniqueName("doomed")) }, cancellationToken: ct)).Template;

        await Templates.DeleteTemplateAsync(new DeleteTemplateRequest { Id = created.Id }, cancellationToken: ct);

        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Templates.GetTemplateAsync(
            new GetTemplateRequest { Template = created.Name }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Templates.DeleteTemplateAsync(
            new DeleteTemplateRequest { Id = created.Id }, cancellationToken: ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task TemplateService_WorkerTokenOrNoToken_Refused()
    {
        var ct = TestContext.Current.CancellationToken;

        await RpcAssert.FailsAsync(StatusCode.PermissionDenied, async () => await new TemplateService.TemplateServiceClient(orchestrator.WorkerInvoker)
            .ListTemplatesAsync(new ListTemplatesRequest(), cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.Unauthenticated, async () => await new TemplateService.TemplateServiceClient(orchestrator.Channel.CreateCallInvoker())
            .ListTemplatesAsync(new ListTemplatesRequest(), cancellationToken: ct));
    }
}
