namespace DevServer.Delivery.Git;

/// <summary>
/// A forge token for git over HTTPS. It reaches git only through environment variables (an <c>http.extraHeader</c>
/// given with <c>GIT_CONFIG_COUNT/KEY/VALUE</c>): never in a remote URL, a command line or a repository's config.
/// </summary>
/// <param name="UserName">The basic-auth user: Gitea and Forgejo accept any name with a token, GitHub wants <c>x-access-token</c>.</param>
/// <param name="Token">The token.</param>
public sealed record GitCredentials(string UserName, string Token)
{
    /// <summary>For GitHub (<c>x-access-token</c>).</summary>
    public static GitCredentials GitHub(string token) => new("x-access-token", token);

    /// <summary>For Gitea and Forgejo.</summary>
    public static GitCredentials Gitea(string token) => new("oauth2", token);

    internal string BasicValue => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{UserName}:{Token}"));

    /// <summary>Masks the token: records print their members, and this one may end up in a log.</summary>
    public override string ToString() => $"GitCredentials {{ UserName = {UserName}, Token = *** }}";
}
