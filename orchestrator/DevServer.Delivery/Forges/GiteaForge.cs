using System.Globalization;
using System.Net;
using System.Text.Json;

namespace DevServer.Delivery.Forges;

/// <summary>
/// Gitea and Forgejo, API v1: <c>{base}/api/v1/repos/{owner}/{repo}/pulls</c> with <c>Authorization: token …</c>.
/// Creating answers 201; an open pull request for the same head and base answers 409 ("pull request already
/// exists for these targets"); editing (PATCH <c>…/pulls/{index}</c>) answers 201 as well.
/// </summary>
public sealed class GiteaForge : PullRequestForge
{
    private const int PageSize = 50;

    // Enough for any repository delivery works on; a runaway listing must not loop forever.
    private const int MaxPages = 20;

    /// <param name="http">A client (its own Timeout is not relied on: each request has <paramref name="timeout"/>).</param>
    /// <param name="baseUrl">The forge's address, e.g. <c>https://gitea.example.com</c> (without <c>/api/v1</c>).</param>
    /// <param name="token">An access token with repository write rights.</param>
    /// <param name="timeout">How long one request may take; default 30 s.</param>
    public GiteaForge(HttpClient http, Uri baseUrl, string token, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        var apiRoot = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/api/v1");
        Http = new ForgeHttp(http, apiRoot, token, timeout ?? TimeSpan.FromSeconds(30), headers =>
        {
            headers.TryAddWithoutValidation("Authorization", $"token {token}");
            headers.TryAddWithoutValidation("Accept", "application/json");
        });
    }

    private protected override ForgeHttp Http { get; }

    private protected override string PullsPath(ForgeRepository repository) =>
        $"/repos/{ForgeHttp.Segment(repository.Owner)}/{ForgeHttp.Segment(repository.Name)}/pulls";

    private protected override async Task<(JsonElement? PullRequest, ForgeOutcome? Failure)> FindOpenAsync(
        ForgeRepository repository, string head, CancellationToken cancellationToken)
    {
        for (var page = 1; page <= MaxPages; page++)
        {
            var listed = await Http.SendAsync(
                HttpMethod.Get,
                string.Create(CultureInfo.InvariantCulture, $"{PullsPath(repository)}?state=open&page={page}&limit={PageSize}"),
                null,
                cancellationToken);
            if (!listed.IsSuccess || listed.Json is not { ValueKind: JsonValueKind.Array } list)
            {
                return (null, Http.Failure(listed, $"Listing the pull requests of {repository}"));
            }

            if (ForgeHttp.FindByHead(list, head) is { } found)
            {
                return (found, null);
            }

            if (list.GetArrayLength() < PageSize)
            {
                break;
            }
        }

        return (null, null);
    }

    private protected override bool IsAlreadyExists(ForgeResponse response) =>
        Is(response, HttpStatusCode.Conflict) || (Is(response, HttpStatusCode.UnprocessableEntity) && MessageSaysExists(Http, response));
}
