using System.Net;
using System.Net.Sockets;
using DevServer.Delivery.Forges;

namespace DevServer.Delivery.Tests.Forges;

/// <summary>Both forge clients against fakes that follow Gitea v1 and GitHub REST; the exact requests are asserted.</summary>
public sealed class ForgeClientTests
{
    private const string Token = "forge-token-1b2c3d4e5f";
    private static readonly HttpClient Http = new();
    private static readonly ForgeRepository Acme = new("acme", "app");

    [Fact]
    public async Task Gitea_NoPullRequest_ListsThenCreatesWithExactRequests()
    {
        await using var fake = await FakeForge.StartAsync(gitHub: false, Token);

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "agent/42-fix", "main", "Fix it", "Body", Ct);

        Assert.Equal(ForgeStatus.Created, outcome.Status);
        Assert.Equal(new PullRequestInfo(1, $"{fake.BaseUrl}acme/app/pulls/1"), outcome.PullRequest);
        var requests = fake.Requests.ToArray();
        Assert.Equal(
            [("GET", "/api/v1/repos/acme/app/pulls?state=open&page=1&limit=50"), ("POST", "/api/v1/repos/acme/app/pulls")],
            requests.Select(r => (r.Method, r.PathAndQuery)));
        Assert.All(requests, r =>
        {
            Assert.Equal($"token {Token}", r.Headers["Authorization"]);
            Assert.Equal("application/json", r.Headers["Accept"]);
        });
        Assert.Equal("""{"title":"Fix it","head":"agent/42-fix","base":"main","body":"Body"}""", FakeForge.Serialize(requests[1].Body));
        Assert.StartsWith("application/json", requests[1].Headers["Content-Type"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitHub_NoPullRequest_ListsByHeadThenCreatesWithExactRequests()
    {
        await using var fake = await FakeForge.StartAsync(gitHub: true, Token);

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "agent/42-fix", "main", "Fix it", "Body", Ct);

        Assert.Equal(ForgeStatus.Created, outcome.Status);
        Assert.Equal(new PullRequestInfo(1, $"{fake.BaseUrl}acme/app/pull/1"), outcome.PullRequest);
        var requests = fake.Requests.ToArray();
        Assert.Equal(
            [("GET", "/repos/acme/app/pulls?head=acme%3Aagent%2F42-fix&state=open"), ("POST", "/repos/acme/app/pulls")],
            requests.Select(r => (r.Method, r.PathAndQuery)));
        Assert.All(requests, r =>
        {
            Assert.Equal($"Bearer {Token}", r.Headers["Authorization"]);
            Assert.Equal("application/vnd.github+json", r.Headers["Accept"]);
            Assert.Equal("2022-11-28", r.Headers["X-GitHub-Api-Version"]);
            Assert.False(string.IsNullOrEmpty(r.Headers["User-Agent"]));
        });
        Assert.Equal("""{"title":"Fix it","head":"agent/42-fix","base":"main","body":"Body"}""", FakeForge.Serialize(requests[1].Body));
    }

    [Theory]
    [InlineData(false, "/api/v1/repos/acme/app/pulls/1")]
    [InlineData(true, "/repos/acme/app/pulls/1")]
    public async Task FindOrCreate_OpenPullRequestExists_UpdatedNeverDuplicated(bool gitHub, string editPath)
    {
        await using var fake = await FakeForge.StartAsync(gitHub, Token);
        var forge = Client(fake);
        await forge.FindOrCreatePullRequestAsync(Acme, "agent/7-x", "main", "Old title", "Old body", Ct);
        fake.Requests.Clear();

        var outcome = await forge.FindOrCreatePullRequestAsync(Acme, "agent/7-x", "main", "New title", "New body", Ct);

        Assert.Equal(ForgeStatus.Updated, outcome.Status);
        Assert.Equal(1, outcome.PullRequest!.Number);
        var pull = Assert.Single(fake.Pulls);
        Assert.Equal(("New title", "New body"), (pull.Title, pull.Body));
        var requests = fake.Requests.ToArray();
        Assert.Equal(["GET", "PATCH"], requests.Select(r => r.Method));
        Assert.Equal(editPath, requests[1].PathAndQuery);
        Assert.Equal("""{"title":"New title","body":"New body"}""", FakeForge.Serialize(requests[1].Body));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FindOrCreate_SameTitleAndBody_UnchangedOnlyListed(bool gitHub)
    {
        await using var fake = await FakeForge.StartAsync(gitHub, Token);
        var forge = Client(fake);
        await forge.FindOrCreatePullRequestAsync(Acme, "agent/7-x", "main", "Title", "Body", Ct);
        fake.Requests.Clear();

        var outcome = await forge.FindOrCreatePullRequestAsync(Acme, "agent/7-x", "main", "Title", "Body", Ct);

        Assert.Equal(ForgeStatus.Unchanged, outcome.Status);
        Assert.Equal(["GET"], fake.Requests.Select(r => r.Method));
    }

    [Theory]
    [InlineData(false, 409)]
    [InlineData(true, 422)]
    public async Task FindOrCreate_CreatedConcurrently_AlreadyExistsAnswerLeadsToUpdate(bool gitHub, int existsStatus)
    {
        await using var fake = await FakeForge.StartAsync(gitHub, Token);
        var forge = Client(fake);
        await forge.FindOrCreatePullRequestAsync(Acme, "agent/9-race", "main", "First", "First body", Ct);
        fake.Requests.Clear();
        fake.HideFromFirstListing = true;

        var outcome = await forge.FindOrCreatePullRequestAsync(Acme, "agent/9-race", "main", "Second", "Second body", Ct);

        Assert.Equal(ForgeStatus.Updated, outcome.Status);
        Assert.Single(fake.Pulls);
        Assert.Equal(["GET", "POST", "GET", "PATCH"], fake.Requests.Select(r => r.Method));
        Assert.Equal(existsStatus, fake.CreateStatuses.Last());
    }

    [Theory]
    [InlineData(false, "wrong-token", "acme", null, ForgeStatus.AuthFailed, 401)]
    [InlineData(true, "wrong-token", "acme", null, ForgeStatus.AuthFailed, 401)]
    [InlineData(false, Token, "acme", 403, ForgeStatus.AuthFailed, 403)]
    [InlineData(true, Token, "acme", 403, ForgeStatus.AuthFailed, 403)]
    [InlineData(false, Token, "nobody", null, ForgeStatus.NotFound, 404)]
    [InlineData(true, Token, "nobody", null, ForgeStatus.NotFound, 404)]
    [InlineData(false, Token, "acme", 409, ForgeStatus.Conflict, 409)]
    [InlineData(false, Token, "acme", 500, ForgeStatus.Transient, 500)]
    [InlineData(true, Token, "acme", 502, ForgeStatus.Transient, 502)]
    [InlineData(true, Token, "acme", 429, ForgeStatus.Transient, 429)]
    public async Task FindOrCreate_ForgeError_MappedToTypedOutcome(bool gitHub, string token, string owner, int? forced, ForgeStatus expected, int status)
    {
        await using var fake = await FakeForge.StartAsync(gitHub, Token);
        fake.ForcedStatus = forced;

        var outcome = await Client(fake, token).FindOrCreatePullRequestAsync(new ForgeRepository(owner, "app"), "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal(expected, outcome.Status);
        Assert.Equal(status, outcome.HttpStatus);
        Assert.Equal(expected == ForgeStatus.Transient, outcome.Retryable);
        Assert.False(outcome.Succeeded);
        Assert.Empty(fake.Pulls);
        Assert.DoesNotContain(token, outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "Invalid PullRequest: There are no changes between the head and the base")]
    [InlineData(true, "Validation Failed")]
    public async Task FindOrCreate_HeadEqualsBase_ValidationWithForgeMessage(bool gitHub, string message)
    {
        await using var fake = await FakeForge.StartAsync(gitHub, Token);

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "main", "main", "T", "B", Ct);

        Assert.Equal((ForgeStatus.Validation, 422), (outcome.Status, outcome.HttpStatus));
        Assert.Contains(message, outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FindOrCreate_ForgeTooSlow_TransientWithoutWaitingForIt(bool gitHub)
    {
        await using var fake = await FakeForge.StartAsync(gitHub, Token);
        fake.Delay = TimeSpan.FromSeconds(20);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var outcome = await Client(fake, timeout: TimeSpan.FromMilliseconds(300)).FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal(ForgeStatus.Transient, outcome.Status);
        Assert.Null(outcome.HttpStatus);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), started.Elapsed.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FindOrCreate_ForgeDown_Transient(bool gitHub)
    {
        // A port held by a socket that never listens: every connect is refused. (A stopped server's port could be
        // taken by another test's listener meanwhile, which would then answer.)
        using var held = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        held.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var down = new Uri($"http://127.0.0.1:{((IPEndPoint)held.LocalEndPoint!).Port}/");
        IForge client = gitHub ? new GitHubForge(Http, down, Token) : new GiteaForge(Http, down, Token);

        var outcome = await client.FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal(ForgeStatus.Transient, outcome.Status);
        Assert.True(outcome.Retryable);
    }

    [Fact]
    public async Task Gitea_ManyOpenPullRequests_FindsOneOnALaterPage()
    {
        await using var fake = await FakeForge.StartAsync(gitHub: false, Token);
        for (var i = 1; i <= 120; i++)
        {
            fake.Pulls.Add(new FakePull { Number = i, Head = $"feature/{i}", Base = "main", Title = "t", Body = "b" });
        }

        fake.Pulls.Add(new FakePull { Number = 121, Head = "agent/5-late", Base = "main", Title = "old", Body = "b" });

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "agent/5-late", "main", "new", "b", Ct);

        Assert.Equal((ForgeStatus.Updated, 121L), (outcome.Status, outcome.PullRequest!.Number));
        Assert.Equal(
            ["state=open&page=1&limit=50", "state=open&page=2&limit=50", "state=open&page=3&limit=50"],
            fake.Requests.Where(r => r.Method == "GET").Select(r => r.PathAndQuery.Split('?')[1]));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IForge Client(FakeForge fake, string token = Token, TimeSpan? timeout = null) =>
        fake.IsGitHub
            ? new GitHubForge(Http, fake.BaseUrl, token, timeout ?? TimeSpan.FromSeconds(10))
            : new GiteaForge(Http, fake.BaseUrl, token, timeout ?? TimeSpan.FromSeconds(10));
}
