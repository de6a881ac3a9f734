using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DevServer.Delivery.Tests.Forges;

/// <summary>One request as the fake forge received it.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, JsonObject? Body);

/// <summary>An answer given verbatim (status, body, headers) to requests of one method: what a proxy or a rate limit says.</summary>
internal sealed record FakeAnswer(string Method, int Status, string Body)
{
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

/// <summary>A pull request the fake forge holds.</summary>
internal sealed class FakePull
{
    public required long Number { get; init; }

    public required string Head { get; init; }

    public required string Base { get; init; }

    public required string Title { get; set; }

    public required string Body { get; set; }

    public string State { get; set; } = "open";
}

/// <summary>
/// A forge on real Kestrel (loopback, port 0) that follows the published shapes of Gitea's API v1 or GitHub's REST
/// API for pull requests: paths, auth header, status codes (Gitea: create 201, exists 409, edit 201; GitHub: create
/// 201, exists 422, edit 200), JSON fields (number, html_url, title, body, state, head.ref, base.ref, message), and
/// records every request. Faults: a forced status for the next requests, a delay, a hidden first listing (a race).
/// </summary>
internal sealed class FakeForge : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _gitHub;
    private readonly string _token;
    private readonly Lock _lock = new();

    private FakeForge(bool gitHub, string token)
    {
        _gitHub = gitHub;
        _token = token;
        _app = LoopbackHost.CreateBuilder(TimeSpan.FromSeconds(1)).Build();
        var prefix = gitHub ? string.Empty : "/api/v1";
        _app.MapGet(prefix + "/repos/{owner}/{repo}/pulls", List);
        _app.MapPost(prefix + "/repos/{owner}/{repo}/pulls", Create);
        _app.MapMethods(prefix + "/repos/{owner}/{repo}/pulls/{number:long}", ["PATCH"], Edit);
    }

    public Uri BaseUrl { get; private set; } = null!;

    public bool IsGitHub => _gitHub;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public List<FakePull> Pulls { get; } = [];

    /// <summary>The status of every create request answered, in order.</summary>
    public ConcurrentQueue<int> CreateStatuses { get; } = new();

    public string Owner { get; init; } = "acme";

    public string Repository { get; init; } = "app";

    /// <summary>When set, the next requests get this status (with a forge-style message) instead of being served.</summary>
    public int? ForcedStatus { get; set; }

    public TimeSpan Delay { get; set; }

    /// <summary>When set, requests of its method get exactly this answer instead of being served (after auth is recorded).</summary>
    public FakeAnswer? RawAnswer { get; set; }

    /// <summary>The first listing answers empty although a pull request exists (another delivery created it meanwhile).</summary>
    public bool HideFromFirstListing { get; set; }

    public static async Task<FakeForge> StartAsync(bool gitHub, string token)
    {
        var forge = new FakeForge(gitHub, token);
        var addresses = await forge._app.StartOnLoopbackAsync(TestContext.Current.CancellationToken);
        forge.BaseUrl = addresses.Http1;
        return forge;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task<IResult> List(HttpContext context, string owner, string repo)
    {
        if (await GuardAsync(context, owner, repo) is { } refused)
        {
            return refused;
        }

        var state = context.Request.Query["state"].ToString();
        IEnumerable<FakePull> pulls;
        lock (_lock)
        {
            pulls = [.. Pulls.Where(p => state is "" or "all" || p.State == state)];
            if (HideFromFirstListing)
            {
                HideFromFirstListing = false;
                pulls = [];
            }
        }

        if (_gitHub)
        {
            // head=owner:branch filters on the head branch (the owner part names the fork).
            var head = context.Request.Query["head"].ToString();
            if (head.Length > 0)
            {
                var branch = head[(head.IndexOf(':', StringComparison.Ordinal) + 1)..];
                pulls = pulls.Where(p => p.Head == branch);
            }
        }
        else
        {
            var page = int.TryParse(context.Request.Query["page"], out var p) ? p : 1;
            var limit = int.TryParse(context.Request.Query["limit"], out var l) ? l : 30;
            pulls = pulls.Skip((page - 1) * limit).Take(limit);
        }

        return Results.Json(pulls.Select(Json).ToArray(), statusCode: 200);
    }

    private async Task<IResult> Create(HttpContext context, string owner, string repo)
    {
        if (await GuardAsync(context, owner, repo) is { } refused)
        {
            return refused;
        }

        var result = CreateCore(Recorded(context).Body!, owner);
        CreateStatuses.Enqueue(result.StatusCode);
        return Results.Json(result.Body, statusCode: result.StatusCode);
    }

    private (int StatusCode, JsonNode Body) CreateCore(JsonObject body, string owner)
    {
        var head = (string)body["head"]!;
        var baseBranch = (string)body["base"]!;
        if (head == baseBranch)
        {
            return (422, ErrorBody(_gitHub ? "Validation Failed" : "Invalid PullRequest: There are no changes between the head and the base"));
        }

        lock (_lock)
        {
            if (Pulls.FirstOrDefault(p => p.State == "open" && p.Head == head && (_gitHub || p.Base == baseBranch)) is { } existing)
            {
                return _gitHub
                    ? (422, new JsonObject
                    {
                        ["message"] = "Validation Failed",
                        ["errors"] = new JsonArray(new JsonObject
                        {
                            ["resource"] = "PullRequest",
                            ["code"] = "custom",
                            ["message"] = $"A pull request already exists for {owner}:{head}.",
                        }),
                    })
                    : (409, ErrorBody($"pull request already exists for these targets [id: {existing.Number}, issue_id: {existing.Number}, head_repo_id: 1, base_repo_id: 1, head_branch: {head}, base_branch: {baseBranch}]"));
            }

            var pull = new FakePull
            {
                Number = Pulls.Count + 1,
                Head = head,
                Base = baseBranch,
                Title = (string)body["title"]!,
                Body = (string?)body["body"] ?? string.Empty,
            };
            Pulls.Add(pull);
            return (201, Json(pull));
        }
    }

    private async Task<IResult> Edit(HttpContext context, string owner, string repo, long number)
    {
        if (await GuardAsync(context, owner, repo) is { } refused)
        {
            return refused;
        }

        var body = Recorded(context).Body!;
        lock (_lock)
        {
            var pull = Pulls.FirstOrDefault(p => p.Number == number);
            if (pull is null)
            {
                return Error(404, "Not Found");
            }

            pull.Title = (string?)body["title"] ?? pull.Title;
            pull.Body = (string?)body["body"] ?? pull.Body;
            // Gitea answers an edit with 201 (its swagger says so); GitHub with 200.
            return Results.Json(Json(pull), statusCode: _gitHub ? 200 : 201);
        }
    }

    // Records the request, applies faults, and checks auth and the repository, as the real forges do first.
    private async Task<IResult?> GuardAsync(HttpContext context, string owner, string repo)
    {
        JsonObject? body = null;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))?.AsObject();
        }

        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body);
        context.Items[typeof(RecordedRequest)] = recorded;
        Requests.Enqueue(recorded);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        if (ForcedStatus is { } forced)
        {
            return Error(forced, forced >= 500 ? "Internal Server Error" : "forced");
        }

        if (RawAnswer is { } raw && raw.Method == context.Request.Method)
        {
            foreach (var (name, value) in raw.Headers)
            {
                context.Response.Headers[name] = value;
            }

            return Results.Text(raw.Body, "application/json", statusCode: raw.Status);
        }

        var expected = _gitHub ? $"Bearer {_token}" : $"token {_token}";
        if (context.Request.Headers.Authorization.ToString() != expected)
        {
            // Echoes what it got, as some proxies do: the client must scrub it.
            return _gitHub ? Error(401, $"Bad credentials ({context.Request.Headers.Authorization})") : Error(401, $"token is required ({context.Request.Headers.Authorization})");
        }

        return owner != Owner || repo != Repository ? Error(404, "Not Found") : null;
    }

    private static RecordedRequest Recorded(HttpContext context) => (RecordedRequest)context.Items[typeof(RecordedRequest)]!;

    private IResult Error(int status, string message) => Results.Json(ErrorBody(message), statusCode: status);

    private JsonObject ErrorBody(string message) =>
        _gitHub
            ? new JsonObject { ["message"] = message, ["documentation_url"] = "https://docs.github.com/rest" }
            : new JsonObject { ["message"] = message, ["url"] = $"{BaseUrl}api/swagger" };

    private JsonObject Json(FakePull pull) => new()
    {
        ["id"] = pull.Number + 1000,
        ["number"] = pull.Number,
        ["title"] = pull.Title,
        ["body"] = pull.Body,
        ["state"] = pull.State,
        ["html_url"] = $"{BaseUrl}{Owner}/{Repository}/pull{(_gitHub ? "" : "s")}/{pull.Number}",
        ["head"] = new JsonObject { ["ref"] = pull.Head, ["label"] = _gitHub ? $"{Owner}:{pull.Head}" : pull.Head },
        ["base"] = new JsonObject { ["ref"] = pull.Base, ["label"] = _gitHub ? $"{Owner}:{pull.Base}" : pull.Base },
    };

    public static string Serialize(JsonObject? body) => body?.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) ?? string.Empty;
}
