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

    /// <summary>
    /// <see cref="RepositoryKind.LocalFolder"/> when <paramref name="location"/> is a path (or a <c>file:</c> URL) to a
    /// working folder, else <see cref="RepositoryKind.Remote"/> (a URL, a bare repository). A working folder has a
    /// <c>.git</c> folder, or a <c>.git</c> file naming its git directory (<c>gitdir: …</c>): a linked worktree made by
    /// <c>git worktree add</c>, or a submodule. Taking those for remotes would push agent branches (or, for a direct
    /// commit, the default branch) into the operator's own repository. Looks at one file; starts no git.
    /// </summary>
    public static RepositoryKind KindOf(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (PathOf(location) is not { } path)
        {
            return RepositoryKind.Remote;
        }

        var dotGit = Path.Combine(path, ".git");
        return Directory.Exists(dotGit) || IsGitDirectoryLink(dotGit) ? RepositoryKind.LocalFolder : RepositoryKind.Remote;
    }

    /// <summary>
    /// A local folder's absolute path, for a location given as a path or as a <c>file:</c> URL. Not
    /// <c>Path.GetFullPath(Location)</c>: that takes <c>file:///home/me/app</c> for a relative path and answers
    /// <c>&lt;current directory&gt;/file:/home/me/app</c>, a folder that does not exist.
    /// </summary>
    internal string FolderPath => Path.GetFullPath(PathOf(Location) ?? Location);

    // The path a location names on this machine: an absolute path as it is, a file: URL's path decoded; else null.
    private static string? PathOf(string location) =>
        location.StartsWith('/') ? location
        : Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.IsFile ? uri.LocalPath
        : null;

    private static bool IsGitDirectoryLink(string file)
    {
        try
        {
            using var reader = new StreamReader(file);
            return reader.ReadLine()?.StartsWith("gitdir:", StringComparison.Ordinal) == true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // No such file (the common case: a bare repository), or one we may not read: not a working folder we know.
            return false;
        }
    }

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
