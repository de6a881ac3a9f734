namespace DevServer.Delivery.Git;

/// <summary>Where a repository lives.</summary>
public enum RepositoryKind
{
    /// <summary>A URL (or a path to a bare repository) that delivery fetches from and pushes to.</summary>
    Remote,

    /// <summary>An operator's working folder on this machine: read from, and given new branch refs only.</summary>
    LocalFolder,
}

/// <summary>A repository delivery works on.</summary>
/// <param name="Name">Its name (names the clone cache; any characters).</param>
/// <param name="Location">A URL without credentials, or a path.</param>
/// <param name="DefaultBranch">The branch direct commits go to and pull requests target.</param>
public sealed record DeliveryRepository(string Name, string Location, string DefaultBranch)
{
    public RepositoryKind Kind { get; init; } = RepositoryKind.Remote;

    /// <summary>The token for fetches and pushes, or null (local paths, public read-only remotes).</summary>
    public GitCredentials? Credentials { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(Location);
        ArgumentException.ThrowIfNullOrWhiteSpace(DefaultBranch);
        // The message does not repeat the location: it holds the very credential it should not.
        // ssh://git@host/… names a user, not a secret; a password, or any user in an http(s) URL, is a credential.
        if (Uri.TryCreate(Location, UriKind.Absolute, out var uri) && !uri.IsFile && uri.UserInfo.Length > 0
            && (uri.UserInfo.Contains(':', StringComparison.Ordinal) || uri.Scheme is "http" or "https"))
        {
            throw new ArgumentException("A repository location must not carry credentials; pass them as GitCredentials.", nameof(Location));
        }
    }
}
