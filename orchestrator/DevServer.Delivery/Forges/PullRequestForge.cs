using System.Net;
using System.Text.Json;

namespace DevServer.Delivery.Forges;

/// <summary>
/// Find-or-create over a forge's pull request API: list the open pull requests from the head branch; update the one
/// found (when its title or body differ), else create one; when creation reports that one already exists (a
/// concurrent or half-finished earlier delivery), list again and update that one.
/// </summary>
public abstract class PullRequestForge : IForge
{
    private protected PullRequestForge()
    {
    }

    public async Task<ForgeOutcome> FindOrCreatePullRequestAsync(
        ForgeRepository repository, string head, string baseBranch, string title, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(head);
        ArgumentException.ThrowIfNullOrWhiteSpace(baseBranch);
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        body ??= string.Empty;

        var found = await FindOpenAsync(repository, head, cancellationToken);
        if (found.Failure is { } listFailure)
        {
            return listFailure;
        }

        if (found.PullRequest is null)
        {
            var created = await Http.SendAsync(HttpMethod.Post, PullsPath(repository), new Dictionary<string, string>
            {
                ["title"] = title,
                ["head"] = head,
                ["base"] = baseBranch,
                ["body"] = body,
            }, cancellationToken);
            if (created.IsSuccess)
            {
                return created.Json is { } json && ForgeHttp.ReadPullRequest(json) is { } opened
                    ? new ForgeOutcome(ForgeStatus.Created, opened, string.Empty)
                    : ForgeHttp.Unreadable(created, $"Opening a pull request on {repository}");
            }

            if (!IsAlreadyExists(created))
            {
                return Http.Failure(created, $"Opening a pull request on {repository}");
            }

            // Someone (an earlier attempt of this delivery) opened it between our list and our create.
            found = await FindOpenAsync(repository, head, cancellationToken);
            if (found.Failure is { } relistFailure)
            {
                return relistFailure;
            }

            if (found.PullRequest is null)
            {
                return Http.Failure(created, $"Opening a pull request on {repository}");
            }
        }

        var existing = found.PullRequest.Value;
        if (ForgeHttp.ReadPullRequest(existing) is not { } pullRequest)
        {
            return ForgeHttp.Unreadable(new ForgeResponse(HttpStatusCode.OK, existing, string.Empty), $"Listing the pull requests of {repository}");
        }

        if (ForgeHttp.Text(existing, "title") == title && (ForgeHttp.Text(existing, "body") ?? string.Empty) == body)
        {
            return new ForgeOutcome(ForgeStatus.Unchanged, pullRequest, string.Empty);
        }

        var updated = await Http.SendAsync(
            HttpMethod.Patch,
            $"{PullsPath(repository)}/{pullRequest.Number}",
            new Dictionary<string, string> { ["title"] = title, ["body"] = body },
            cancellationToken);
        var doing = $"Updating pull request {pullRequest.Number} on {repository}";
        return !updated.IsSuccess ? Http.Failure(updated, doing)
            : updated.Json is { } updatedJson && ForgeHttp.ReadPullRequest(updatedJson) is { } edited ? new ForgeOutcome(ForgeStatus.Updated, edited, string.Empty)
            : ForgeHttp.Unreadable(updated, doing);
    }

    private protected abstract ForgeHttp Http { get; }

    private protected abstract string PullsPath(ForgeRepository repository);

    /// <summary>The open pull request whose head is the branch, or null, or the failure.</summary>
    private protected abstract Task<(JsonElement? PullRequest, ForgeOutcome? Failure)> FindOpenAsync(
        ForgeRepository repository, string head, CancellationToken cancellationToken);

    /// <summary>True when a create failed because an open pull request for the branch exists.</summary>
    private protected abstract bool IsAlreadyExists(ForgeResponse response);

    private protected static bool MessageSaysExists(ForgeHttp http, ForgeResponse response) =>
        http.Message(response).Contains("already exists", StringComparison.OrdinalIgnoreCase);

    private protected static bool Is(ForgeResponse response, HttpStatusCode status) => response.Status == status;
}
