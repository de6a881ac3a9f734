using DevServer.Contracts.Ideas.V1;
using DevServer.Orchestrator.Tests.Tasks;
using Rpc;

namespace DevServer.Orchestrator.Tests.Ideas;

/// <summary>IdeaService's tree against the real orchestrator: creating, listing in order, moving, editing and deleting.</summary>
public sealed class IdeaApiTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    private IdeaService.IdeaServiceClient Ideas => new(orchestrator.AdminInvoker);

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateIdea_FolderAndIdeaInIt_StoredAsSent()
    {
        var ct = TestContext.Current.CancellationToken;

        var folder = await CreateAsync(IdeaKind.Folder, "  Backlog  ", ct);
        var idea = await CreateAsync(IdeaKind.Idea, "Dark mode", ct, folder.Id, "Use **CSS** variables.", sortOrder: 7);

        Assert.Equal((0L, IdeaKind.Folder, "Backlog", ""), (folder.ParentId, folder.Kind, folder.Title, folder.Content));
        Assert.Equal((folder.Id, IdeaKind.Idea, "Dark mode", "Use **CSS** variables.", 7), (idea.ParentId, idea.Kind, idea.Title, idea.Content, idea.SortOrder));
        Assert.Equal(0, idea.TaskId);
        Assert.Equal(idea.CreatedAt, idea.UpdatedAt);
        Assert.Equal(idea, (await Ideas.GetIdeaAsync(new GetIdeaRequest { Id = idea.Id }, cancellationToken: ct)).Idea);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateIdea_BadRequest_RefusedWithTheRightCode()
    {
        var ct = TestContext.Current.CancellationToken;
        var idea = await CreateAsync(IdeaKind.Idea, "a leaf", ct);

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => CreateAsync(IdeaKind.Idea, "under a leaf", ct, idea.Id));
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => CreateAsync(IdeaKind.Idea, "under nothing", ct, 987_654));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => CreateAsync(IdeaKind.Folder, "folder with text", ct, content: "text"));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => CreateAsync(IdeaKind.Unspecified, "no kind", ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => CreateAsync(IdeaKind.Idea, "   ", ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => CreateAsync(IdeaKind.Idea, new string('t', 257), ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => CreateAsync(IdeaKind.Idea, "huge", ct, content: new string('c', (64 * 1024) + 1)));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => CreateAsync(IdeaKind.Idea, "negative parent", ct, -1));

        var longest = await CreateAsync(IdeaKind.Idea, new string('t', 256), ct, content: new string('c', 64 * 1024));
        Assert.Equal(256, longest.Title.Length);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListIdeas_Tree_ParentsBeforeChildrenSiblingsBySortOrderThenTitle()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = await CreateAsync(IdeaKind.Folder, "order root", ct);
        var b = await CreateAsync(IdeaKind.Idea, "b", ct, root.Id, sortOrder: 1);
        var sub = await CreateAsync(IdeaKind.Folder, "z folder", ct, root.Id, sortOrder: 0);
        var a = await CreateAsync(IdeaKind.Idea, "a", ct, root.Id, sortOrder: 1);
        var first = await CreateAsync(IdeaKind.Idea, "y first", ct, root.Id, sortOrder: -5);
        var inner2 = await CreateAsync(IdeaKind.Idea, "inner 2", ct, sub.Id, sortOrder: 2);
        var inner1 = await CreateAsync(IdeaKind.Idea, "inner 1", ct, sub.Id, sortOrder: 1);

        var mine = new HashSet<long> { root.Id, b.Id, sub.Id, a.Id, first.Id, inner1.Id, inner2.Id };
        var listed = await ListAsync(ct);

        Assert.Equal(
            [root.Id, first.Id, sub.Id, inner1.Id, inner2.Id, a.Id, b.Id],
            listed.Where(i => mine.Contains(i.Id)).Select(i => i.Id));
        // Everything else is in parent-first order too.
        var seen = new HashSet<long>();
        foreach (var idea in listed)
        {
            Assert.True(idea.ParentId == 0 || seen.Contains(idea.ParentId), $"Idea {idea.Id} came before its folder {idea.ParentId}.");
            seen.Add(idea.Id);
        }
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateIdea_RenameEditReorder_OnlyTheSetFieldsChange()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = await CreateAsync(IdeaKind.Folder, "edits", ct);
        var idea = await CreateAsync(IdeaKind.Idea, "old title", ct, folder.Id, "old text", sortOrder: 3);

        var renamed = await UpdateAsync(new UpdateIdeaRequest { Id = idea.Id, Title = "new title" }, ct);
        var edited = await UpdateAsync(new UpdateIdeaRequest { Id = idea.Id, Content = "" }, ct);
        var reordered = await UpdateAsync(new UpdateIdeaRequest { Id = idea.Id, SortOrder = -1 }, ct);

        Assert.Equal(("new title", "old text", 3, folder.Id), (renamed.Title, renamed.Content, renamed.SortOrder, renamed.ParentId));
        Assert.Equal(("new title", "", 3), (edited.Title, edited.Content, edited.SortOrder));
        Assert.Equal(("new title", "", -1, folder.Id), (reordered.Title, reordered.Content, reordered.SortOrder, reordered.ParentId));
        Assert.True(reordered.UpdatedAt >= idea.UpdatedAt);
        Assert.Equal(idea.CreatedAt, reordered.CreatedAt);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => UpdateAsync(new UpdateIdeaRequest { Id = idea.Id }, ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => UpdateAsync(new UpdateIdeaRequest { Id = idea.Id, Title = "" }, ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => UpdateAsync(new UpdateIdeaRequest { Id = folder.Id, Content = "folders hold no text" }, ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => UpdateAsync(new UpdateIdeaRequest { Id = 987_654, Title = "ghost" }, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateIdea_Move_IntoAFolderOrTheTopButNeverIntoItselfOrBelowIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var outer = await CreateAsync(IdeaKind.Folder, "outer", ct);
        var middle = await CreateAsync(IdeaKind.Folder, "middle", ct, outer.Id);
        var inner = await CreateAsync(IdeaKind.Folder, "inner", ct, middle.Id);
        var leaf = await CreateAsync(IdeaKind.Idea, "leaf", ct, inner.Id);
        var elsewhere = await CreateAsync(IdeaKind.Folder, "elsewhere", ct);

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => UpdateAsync(new UpdateIdeaRequest { Id = middle.Id, ParentId = middle.Id }, ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => UpdateAsync(new UpdateIdeaRequest { Id = outer.Id, ParentId = inner.Id }, ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => UpdateAsync(new UpdateIdeaRequest { Id = middle.Id, ParentId = leaf.Id }, ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => UpdateAsync(new UpdateIdeaRequest { Id = middle.Id, ParentId = 987_654 }, ct));
        Assert.Equal(outer.Id, (await Ideas.GetIdeaAsync(new GetIdeaRequest { Id = middle.Id }, cancellationToken: ct)).Idea.ParentId);

        var moved = await UpdateAsync(new UpdateIdeaRequest { Id = middle.Id, ParentId = elsewhere.Id }, ct);
        var top = await UpdateAsync(new UpdateIdeaRequest { Id = leaf.Id, ParentId = 0 }, ct);

        Assert.Equal(elsewhere.Id, moved.ParentId);
        Assert.Equal(0, top.ParentId);
        var listed = (await ListAsync(ct)).Select(i => i.Id).ToList();
        Assert.True(listed.IndexOf(elsewhere.Id) < listed.IndexOf(middle.Id));
        Assert.True(listed.IndexOf(middle.Id) < listed.IndexOf(inner.Id));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task DeleteIdea_Folder_DeletesEverythingInsideAndCountsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = await CreateAsync(IdeaKind.Folder, "to delete", ct);
        var sub = await CreateAsync(IdeaKind.Folder, "sub", ct, folder.Id);
        var one = await CreateAsync(IdeaKind.Idea, "one", ct, folder.Id);
        var two = await CreateAsync(IdeaKind.Idea, "two", ct, sub.Id);
        var survivor = await CreateAsync(IdeaKind.Idea, "survivor", ct);

        var deleted = (await Ideas.DeleteIdeaAsync(new DeleteIdeaRequest { Id = folder.Id }, cancellationToken: ct)).Deleted;

        Assert.Equal(4, deleted);
        var left = (await ListAsync(ct)).Select(i => i.Id).ToHashSet();
        Assert.DoesNotContain(folder.Id, left);
        Assert.DoesNotContain(sub.Id, left);
        Assert.DoesNotContain(one.Id, left);
        Assert.DoesNotContain(two.Id, left);
        Assert.Contains(survivor.Id, left);
        Assert.Equal(1, (await Ideas.DeleteIdeaAsync(new DeleteIdeaRequest { Id = survivor.Id }, cancellationToken: ct)).Deleted);
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Ideas.DeleteIdeaAsync(new DeleteIdeaRequest { Id = folder.Id }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Ideas.GetIdeaAsync(new GetIdeaRequest { Id = two.Id }, cancellationToken: ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task IdeaService_WorkerToken_PermissionDenied() =>
        await RpcAssert.FailsAsync(StatusCode.PermissionDenied, async () => await new IdeaService.IdeaServiceClient(orchestrator.WorkerInvoker)
            .ListIdeasAsync(new ListIdeasRequest(), cancellationToken: TestContext.Current.CancellationToken));

    private async Task<Idea> CreateAsync(
        IdeaKind kind, string title, CancellationToken cancellationToken, long parentId = 0, string content = "", int sortOrder = 0) =>
        (await Ideas.CreateIdeaAsync(
            new CreateIdeaRequest { Kind = kind, Title = title, ParentId = parentId, Content = content, SortOrder = sortOrder },
            cancellationToken: cancellationToken)).Idea;

    private async Task<Idea> UpdateAsync(UpdateIdeaRequest request, CancellationToken cancellationToken) =>
        (await Ideas.UpdateIdeaAsync(request, cancellationToken: cancellationToken)).Idea;

    private async Task<List<Idea>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await Ideas.ListIdeasAsync(new ListIdeasRequest(), cancellationToken: cancellationToken)).Ideas];
}
