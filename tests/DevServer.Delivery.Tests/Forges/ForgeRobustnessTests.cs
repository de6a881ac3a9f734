using System.Net.Sockets;
using DevServer.Delivery.Forges;

namespace DevServer.Delivery.Tests.Forges;

/// <summary>
/// Forge answers delivery cannot take at face value: a success without a readable pull request, and GitHub's rate
/// limits (403 or 429) as opposed to a 403 that is about the token's rights.
/// </summary>
public sealed class ForgeRobustnessTests
{
    private const string Token = "forge-token-7a8b9c0d1e";
    private static readonly HttpClient Http = new();
    private static readonly ForgeRepository Acme = new("acme", "app");

    [Theory]
    [InlineData(false, "{}")]
    [InlineData(true, "{}")]
    [InlineData(false, """{"number":"x","html_url":"https://forge/acme/app/pulls/x"}""")]
    [InlineData(true, """{"number":"x"}""")]
    [InlineData(true, """{"number":1.5}""")]
    [InlineData(true, """[1,2]""")]
    [InlineData(false, "<html>proxy says hello</html>")]
    public async Task FindOrCreate_CreateAnswers201WithoutReadablePullRequest_TransientWithTheForgesWords(bool gitHub, string body)
    {
        await using var fake = await FakeForge.StartAsync(gitHub, Token);
        fake.RawAnswer = new FakeAnswer("POST", 201, body);

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal((ForgeStatus.Transient, 201), (outcome.Status, outcome.HttpStatus));
        Assert.True(outcome.Retryable);
        Assert.Null(outcome.PullRequest);
        Assert.Contains("without a readable pull request", outcome.Message, StringComparison.Ordinal);
        Assert.Contains(body.Length > 20 ? body[..20] : body, outcome.Message, StringComparison.Ordinal);
    }

    // HttpClient does not wrap every connection failure: a reset right after the connect (the port just reused by
    // another listener) came out of SendAsync as a bare SocketException, and a body cut mid-read as an IOException.
    [Theory]
    [InlineData(false, "socket")]
    [InlineData(true, "socket")]
    [InlineData(false, "io")]
    [InlineData(true, "io")]
    public async Task FindOrCreate_ConnectionFailsWithoutHttpRequestException_TransientNotThrown(bool gitHub, string failure)
    {
        Exception thrown = failure == "socket"
            ? new SocketException((int)SocketError.NotConnected)
            : new IOException("Unable to read data from the transport connection.");
        using var http = new HttpClient(new ThrowingHandler(thrown));
        var baseUrl = new Uri("http://forge.invalid/");
        IForge client = gitHub ? new GitHubForge(http, baseUrl, Token) : new GiteaForge(http, baseUrl, Token);

        var outcome = await client.FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal(ForgeStatus.Transient, outcome.Status);
        Assert.True(outcome.Retryable);
        Assert.Contains("could not be reached", outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FindOrCreate_ListedPullRequestWithoutNumber_TransientNotThrown(bool gitHub)
    {
        await using var fake = await FakeForge.StartAsync(gitHub, Token);
        fake.RawAnswer = new FakeAnswer("GET", 200, """[7, {"title":"T","body":"B","head":{"ref":"agent/1-x"}}]""");

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal(ForgeStatus.Transient, outcome.Status);
        Assert.Contains("without a readable pull request", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(["GET"], fake.Requests.Select(r => r.Method));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FindOrCreate_EditAnswersSuccessWithoutNumber_Transient(bool gitHub)
    {
        await using var fake = await FakeForge.StartAsync(gitHub, Token);
        var forge = Client(fake);
        await forge.FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "Old", "B", Ct);
        fake.RawAnswer = new FakeAnswer("PATCH", 200, "{}");

        var outcome = await forge.FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "New", "B", Ct);

        Assert.Equal((ForgeStatus.Transient, 200), (outcome.Status, outcome.HttpStatus));
    }

    [Fact]
    public async Task GitHub_403PrimaryRateLimit_TransientWithTheResetAsDelay()
    {
        await using var fake = await FakeForge.StartAsync(gitHub: true, Token);
        var date = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        fake.RawAnswer = new FakeAnswer(
            "GET",
            403,
            """{"message":"API rate limit exceeded for installation ID 42.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}""")
        {
            Headers = new Dictionary<string, string>
            {
                ["x-ratelimit-limit"] = "5000",
                ["x-ratelimit-remaining"] = "0",
                ["x-ratelimit-reset"] = (date.ToUnixTimeSeconds() + 754).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Date"] = date.ToString("r", System.Globalization.CultureInfo.InvariantCulture),
            },
        };

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal((ForgeStatus.Transient, 403, true), (outcome.Status, outcome.HttpStatus, outcome.Retryable));
        Assert.Equal(TimeSpan.FromSeconds(754), outcome.RetryAfter);
        Assert.Contains("rate limited", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("API rate limit exceeded", outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(403)]
    [InlineData(429)]
    public async Task GitHub_SecondaryRateLimitWithRetryAfter_TransientWithThatDelay(int status)
    {
        await using var fake = await FakeForge.StartAsync(gitHub: true, Token);
        fake.RawAnswer = new FakeAnswer(
            "POST",
            status,
            """{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest"}""")
        {
            Headers = new Dictionary<string, string> { ["Retry-After"] = "90" },
        };

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal((ForgeStatus.Transient, status), (outcome.Status, outcome.HttpStatus));
        Assert.Equal(TimeSpan.FromSeconds(90), outcome.RetryAfter);
        Assert.Contains("secondary rate limit", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitHub_403SecondaryRateLimitWithoutHeaders_TransientWithAMinute()
    {
        await using var fake = await FakeForge.StartAsync(gitHub: true, Token);
        fake.RawAnswer = new FakeAnswer("GET", 403, """{"message":"You have exceeded a secondary rate limit."}""");

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal((ForgeStatus.Transient, 403), (outcome.Status, outcome.HttpStatus));
        Assert.Equal(TimeSpan.FromMinutes(1), outcome.RetryAfter);
    }

    [Fact]
    public async Task GitHub_403ResourceNotAccessibleByIntegration_StaysAuthFailed()
    {
        await using var fake = await FakeForge.StartAsync(gitHub: true, Token);
        fake.RawAnswer = new FakeAnswer(
            "POST",
            403,
            """{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/pulls/pulls#create-a-pull-request","status":"403"}""")
        {
            // GitHub sends its rate-limit counters on every answer; a remaining budget is no rate limit.
            Headers = new Dictionary<string, string> { ["x-ratelimit-remaining"] = "4999", ["x-ratelimit-reset"] = "1767269554" },
        };

        var outcome = await Client(fake).FindOrCreatePullRequestAsync(Acme, "agent/1-x", "main", "T", "B", Ct);

        Assert.Equal((ForgeStatus.AuthFailed, 403, false), (outcome.Status, outcome.HttpStatus, outcome.Retryable));
        Assert.Null(outcome.RetryAfter);
        Assert.Contains("Resource not accessible by integration", outcome.Message, StringComparison.Ordinal);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IForge Client(FakeForge fake) =>
        fake.IsGitHub
            ? new GitHubForge(Http, fake.BaseUrl, Token, TimeSpan.FromSeconds(10))
            : new GiteaForge(Http, fake.BaseUrl, Token, TimeSpan.FromSeconds(10));

    private sealed class ThrowingHandler(Exception exception) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromException<HttpResponseMessage>(exception);
    }
}
