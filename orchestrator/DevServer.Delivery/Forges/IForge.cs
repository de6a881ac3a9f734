namespace DevServer.Delivery.Forges;

/// <summary>A repository on a forge.</summary>
public sealed record ForgeRepository(string Owner, string Name)
{
    public override string ToString() => $"{Owner}/{Name}";
}

/// <summary>A pull request as the forge reports it.</summary>
/// <param name="Number">Its number (Gitea's "index").</param>
/// <param name="Url">Where people read it (<c>html_url</c>).</param>
public sealed record PullRequestInfo(long Number, string Url);

/// <summary>How a forge call ended.</summary>
public enum ForgeStatus
{
    /// <summary>A new pull request was opened.</summary>
    Created,

    /// <summary>The open pull request for the branch had its title or body updated.</summary>
    Updated,

    /// <summary>The open pull request for the branch already said exactly this; nothing was sent.</summary>
    Unchanged,

    /// <summary>401/403: the token is missing, wrong, or lacks rights. Retrying does not help.</summary>
    AuthFailed,

    /// <summary>404: no such repository (or the token may not see it). Retrying does not help.</summary>
    NotFound,

    /// <summary>409: the forge refuses because of the repository's state.</summary>
    Conflict,

    /// <summary>422 (and 400): the forge rejects the request (no changes between branches, unknown branch…).</summary>
    Validation,

    /// <summary>
    /// 5xx, 408, 429, a rate limit (GitHub's 403 or 429 saying so), timeouts, connection failures, a success answer
    /// without a readable pull request: worth retrying later.
    /// </summary>
    Transient,
}

/// <summary>The result of <see cref="IForge.FindOrCreatePullRequestAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="PullRequest">The pull request, when there is one.</param>
/// <param name="Message">The forge's own message on failure (never a token); empty on success.</param>
/// <param name="HttpStatus">The HTTP status of the failing response; null on success or when none arrived.</param>
public sealed record ForgeOutcome(ForgeStatus Status, PullRequestInfo? PullRequest, string Message, int? HttpStatus = null)
{
    /// <summary>For a rate limit: how long the forge asks to wait (<c>Retry-After</c> or <c>x-ratelimit-reset</c>); else null.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public bool Succeeded => Status is ForgeStatus.Created or ForgeStatus.Updated or ForgeStatus.Unchanged;

    public bool Retryable => Status == ForgeStatus.Transient;
}

/// <summary>A forge that hosts pull requests.</summary>
public interface IForge
{
    /// <summary>
    /// Makes sure exactly one open pull request from <paramref name="head"/> exists with this title and body: updates
    /// the open one for that head branch when there is one, opens one otherwise, and never opens a second. Safe to
    /// call again after a crash at any point.
    /// </summary>
    Task<ForgeOutcome> FindOrCreatePullRequestAsync(
        ForgeRepository repository, string head, string baseBranch, string title, string body, CancellationToken cancellationToken);
}
