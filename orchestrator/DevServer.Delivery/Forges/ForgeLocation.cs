using System.Text.RegularExpressions;

namespace DevServer.Delivery.Forges;

/// <summary>The two forge APIs delivery speaks.</summary>
public enum ForgeKind
{
    /// <summary>Gitea and Forgejo (API v1).</summary>
    Gitea,

    /// <summary>GitHub and GitHub Enterprise (REST).</summary>
    GitHub,
}

/// <summary>Where a repository's pull requests are made: the forge's kind, its API root, and owner/name.</summary>
/// <param name="Kind">Which API.</param>
/// <param name="BaseUrl">Gitea: the site (the client adds <c>/api/v1</c>); GitHub: the API root.</param>
/// <param name="Repository">Owner and name.</param>
public sealed partial record ForgeLocation(ForgeKind Kind, Uri BaseUrl, ForgeRepository Repository)
{
    /// <summary>
    /// Reads a clone URL (https, ssh:// or scp-like <c>git@host:owner/repo.git</c>). The kind is the given one, else
    /// GitHub for github.com and its subdomains, else Gitea. A Gitea served under a sub-path keeps it; a GitHub
    /// Enterprise host gets <c>/api/v3</c>. Null for local paths and URLs without owner/name.
    /// </summary>
    public static ForgeLocation? FromCloneUrl(string cloneUrl, ForgeKind? kind = null)
    {
        ArgumentNullException.ThrowIfNull(cloneUrl);
        string host, path, scheme = "https";
        int port = -1;
        if (ScpLike().Match(cloneUrl) is { Success: true } scp)
        {
            (host, path) = (scp.Groups["host"].Value, scp.Groups["path"].Value);
        }
        else if (Uri.TryCreate(cloneUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "ssh" or "git")
        {
            (host, path) = (uri.Host, uri.AbsolutePath);
            if (uri.Scheme is "http" or "https")
            {
                (scheme, port) = (uri.Scheme, uri.IsDefaultPort ? -1 : uri.Port);
            }
        }
        else
        {
            return null;
        }

        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2)
        {
            return null;
        }

        var name = segments[^1].EndsWith(".git", StringComparison.Ordinal) ? segments[^1][..^4] : segments[^1];
        var repository = new ForgeRepository(segments[^2], name);
        var resolved = kind ?? (host == "github.com" || host.EndsWith(".github.com", StringComparison.Ordinal) ? ForgeKind.GitHub : ForgeKind.Gitea);
        var site = new UriBuilder(scheme, host, port).Uri.AbsoluteUri.TrimEnd('/');
        var baseUrl = resolved switch
        {
            ForgeKind.GitHub when host == "github.com" => "https://api.github.com",
            ForgeKind.GitHub => $"{site}/api/v3",
            _ => segments.Length > 2 ? $"{site}/{string.Join('/', segments[..^2])}" : site,
        };
        return new ForgeLocation(resolved, new Uri(baseUrl), repository);
    }

    /// <summary>A client for this forge.</summary>
    public IForge CreateClient(HttpClient http, string token, TimeSpan? timeout = null) =>
        Kind == ForgeKind.GitHub ? new GitHubForge(http, BaseUrl, token, timeout) : new GiteaForge(http, BaseUrl, token, timeout);

    [GeneratedRegex(@"^(?:[^@/\s]+@)?(?<host>[A-Za-z0-9.\-]+):(?!//)(?<path>[^\s]+)$")]
    private static partial Regex ScpLike();
}
