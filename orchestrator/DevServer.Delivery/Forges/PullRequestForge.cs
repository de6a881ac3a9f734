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
            if (created.IsSuccess && created.Json is { } json)
            {
                return new ForgeOutcome(ForgeStatus.Created, ForgeHttp.ReadPullRequest(json), string.Empty);
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
        if (ForgeHttp.Text(existing, "title") == title && (ForgeHttp.Text(existing, "body") ?? string.Empty) == body)
        {
            return new ForgeOutcome(ForgeStatus.Unchanged, ForgeHttp.ReadPullRequest(existing), string.Empty);
        }

        var number = ForgeHttp.ReadPullRequest(existing).Number;
        var updated = await Http.SendAsync(
            HttpMethod.Patch,
            $"{PullsPath(repository)}/{number}",
            new Dictionary<string, string> { ["title"] = title, ["body"] = body },
            cancellationToken);
        return updated.IsSuccess && updated.Json is { } updatedJson
            ? new ForgeOutcome(ForgeStatus.Updated, ForgeHttp.ReadPullRequest(updatedJson), string.Empty)
            : Http.Failure(updated, $"Updating pull request {number} on {repository}");
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
