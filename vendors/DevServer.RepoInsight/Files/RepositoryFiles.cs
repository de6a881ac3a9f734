
namespace DevServer.RepoInsight;

/// <summary>How the file list was made.</summary>
public enum FileListSource
{
    /// <summary><c>git ls-files --cached --others --exclude-standard</c>: git's own ignore rules, exactly.</summary>
    Git,

    /// <summary>A walk of the folder with our .gitignore matcher (not a git work tree, or git is missing).</summary>
    GitIgnoreWalk,

    /// <summary>A walk of every file (ignore files not applied, as asked).</summary>
    Walk,
}

/// <summary>Lists a repository's files, relative with '/' separators, sorted ordinally.</summary>
internal static class RepositoryFiles
{
    public static async Task<(IReadOnlyList<string> Files, FileListSource Source)> ListAsync(string root, bool respectIgnoreFiles, bool skipVendored, CancellationToken cancellationToken)
    {
        if (respectIgnoreFiles && await GitTool.ListFilesAsync(root, cancellationToken) is { } fromGit)
        {
            var kept = fromGit.Where(p => (!skipVendored || !SkipRules.IsUnderSkippedFolder(p)) && File.Exists(Path.Combine(root, p))).ToList();
            kept.Sort(StringComparer.Ordinal);
            return (kept, FileListSource.Git);
        }

        var files = new List<string>();
        var ignores = new List<GitIgnore>();
        if (respectIgnoreFiles)
        {
            var exclude = Path.Combine(root, ".git", "info", "exclude");
            if (File.Exists(exclude))
            {
                ignores.Add(GitIgnore.Parse("", await File.ReadAllTextAsync(exclude, cancellationToken)));
            }
        }

        await WalkAsync(root, "", ignores, respectIgnoreFiles, skipVendored, files, cancellationToken);
        files.Sort(StringComparer.Ordinal);
        return (files, respectIgnoreFiles ? FileListSource.GitIgnoreWalk : FileListSource.Walk);
    }

    private static async Task WalkAsync(string root, string relative, List<GitIgnore> ignores, bool respectIgnoreFiles, bool skipVendored, List<string> files, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var directory = new DirectoryInfo(relative.Length == 0 ? root : Path.Combine(root, relative));
        var added = false;
        if (respectIgnoreFiles)
        {
            var ignoreFile = Path.Combine(directory.FullName, ".gitignore");
            if (File.Exists(ignoreFile))
            {
                ignores.Add(GitIgnore.Parse(relative, await File.ReadAllTextAsync(ignoreFile, cancellationToken)));
                added = true;
            }
        }

        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = directory.EnumerateFileSystemInfos();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or DirectoryNotFoundException or IOException)
        {
            return; // an unreadable folder holds nothing we can scan
        }

        foreach (var entry in entries)
        {
            // Symbolic links are not followed: they loop, and they point at what is listed elsewhere anyway.
            if ((entry.Attributes & FileAttributes.ReparsePoint) != 0)
            {
                continue;
            }

            var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            var isDirectory = (entry.Attributes & FileAttributes.Directory) != 0;
            if (isDirectory && entry.Name == ".git")
            {
                continue;
            }

            if (isDirectory && skipVendored && SkipRules.IsSkippedFolder(entry.Name))
            {
                continue;
            }

            if (respectIgnoreFiles && IsIgnored(ignores, path, isDirectory))
            {
                continue;
            }

            if (isDirectory)
            {
                await WalkAsync(root, path, ignores, respectIgnoreFiles, skipVendored, files, cancellationToken);
            }
            else
            {
                files.Add(path);
            }
        }

        if (added)
        {
            ignores.RemoveAt(ignores.Count - 1);
        }
    }

    // The deepest ignore file with a matching pattern decides; within a file, the last matching pattern.
    private static bool IsIgnored(List<GitIgnore> ignores, string path, bool isDirectory)
    {
        for (var i = ignores.Count - 1; i >= 0; i--)
        {
            var ignore = ignores[i];
            var local = ignore.BaseDirectory.Length == 0 ? path : path[(ignore.BaseDirectory.Length + 1)..];
            if (ignore.Decide(local, isDirectory) is { } decision)
            {
                return decision;
            }
        }

        return false;
    }
}
