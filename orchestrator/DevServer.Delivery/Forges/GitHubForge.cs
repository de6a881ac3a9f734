using System.Net;
using System.Text.Json;

namespace DevServer.Delivery.Forges;

/// <summary>
/// GitHub REST (and GitHub Enterprise at <c>https://host/api/v3</c>): <c>/repos/{owner}/{repo}/pulls</c> with
/// <c>Authorization: Bearer …</c>, <c>Accept: application/vnd.github+json</c> and <c>X-GitHub-Api-Version</c>.
/// Creating answers 201; an open pull request for the head answers 422 "A pull request already exists for
/// owner:branch."; the list filter <c>head=owner:branch</c> finds it; editing (PATCH <c>…/pulls/{number}</c>) answers 200.
/// </summary>
public sealed class GitHubForge : PullRequestForge
{
    /// <summary>The REST API version this client is written against.</summary>
    public const string ApiVersion = "2022-11-28";

    /// <param name="http">A client (its own Timeout is not relied on: each request has <paramref name="timeout"/>).</param>
    /// <param name="apiBaseUrl"><c>https://api.github.com</c>, or <c>https://host/api/v3</c> for GitHub Enterprise.</param>
    /// <param name="token">A token with pull request and contents write rights.</param>
    /// <param name="timeout">How long one request may take; default 30 s.</param>
    public GitHubForge(HttpClient http, Uri apiBaseUrl, string token, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(apiBaseUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        Http = new ForgeHttp(http, apiBaseUrl, token, timeout ?? TimeSpan.FromSeconds(30), headers =>
        {
            headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
            headers.TryAddWithoutValidation("Accept", "application/vnd.github+json");
            headers.TryAddWithoutValidation("X-GitHub-Api-Version", ApiVersion);
            // GitHub refuses requests without a User-Agent.
            headers.TryAddWithoutValidation("User-Agent", "DevServer");
        });
    }

    private protected override ForgeHttp Http { get; }

    private protected override string PullsPath(ForgeRepository repository) =>
        $"/repos/{ForgeHttp.Segment(repository.Owner)}/{ForgeHttp.Segment(repository.Name)}/pulls";

    private protected override async Task<(JsonElement? PullRequest, ForgeOutcome? Failure)> FindOpenAsync(
        ForgeRepository repository, string head, CancellationToken cancellationToken)
    {
        var listed = await Http.SendAsync(
            HttpMethod.Get,
            $"{PullsPath(repository)}?head={ForgeHttp.Segment($"{repository.Owner}:{head}")}&state=open",
            null,
            cancellationToken);
        if (!listed.IsSuccess || listed.Json is not { ValueKind: JsonValueKind.Array } list)
        {
            return (null, Http.Failure(listed, $"Listing the pull requests of {repository}"));
        }

        return (ForgeHttp.FindByHead(list, head), null);
    }

    private protected override bool IsAlreadyExists(ForgeResponse response) =>
        Is(response, HttpStatusCode.UnprocessableEntity) && MessageSaysExists(Http, response);
}
