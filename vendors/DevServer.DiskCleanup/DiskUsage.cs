namespace DevServer.DiskCleanup;

/// <summary>Sizes and last-write times of folders and files, for the cleanup's candidates.</summary>
public static class DiskUsage
{
    /// <summary>
    /// The bytes of the file, or of every file under the folder. Symbolic links count as nothing and are not followed
    /// (a worktree may link anywhere); entries that vanish while they are measured count as nothing.
    /// </summary>
    public static long Bytes(string path)
    {
        var file = new FileInfo(path);
        if (file.Exists)
        {
            return file.LinkTarget is null ? file.Length : 0;
        }

        var total = 0L;
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(path));
        while (pending.TryPop(out var folder))
        {
            try
            {
                if (!folder.Exists || folder.LinkTarget is not null)
                {
                    continue;
                }

                foreach (var entry in folder.EnumerateFileSystemInfos())
                {
                    switch (entry)
                    {
                        case FileInfo { LinkTarget: null } plain:
                            total += plain.Length;
                            break;
                        case DirectoryInfo { LinkTarget: null } child:
                            pending.Push(child);
                            break;
                        default:
                            break;
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Removed or unreadable meanwhile: what cannot be read is not counted.
            }
        }

        return total;
    }

    /// <summary>The latest last-write time of the existing paths among <paramref name="paths"/>; <see cref="DateTimeOffset.MinValue"/> when none exists.</summary>
    public static DateTimeOffset LastWrite(params ReadOnlySpan<string> paths)
    {
        var latest = DateTimeOffset.MinValue;
        foreach (var path in paths)
        {
            DateTime written;
            if (File.Exists(path))
            {
                written = File.GetLastWriteTimeUtc(path);
            }
            else if (Directory.Exists(path))
            {
                written = Directory.GetLastWriteTimeUtc(path);
            }
            else
            {
                continue;
            }

            var stamp = new DateTimeOffset(written, TimeSpan.Zero);
            if (stamp > latest)
            {
                latest = stamp;
            }
        }

        return latest;
    }

    /// <summary>
    /// When a bare clone cache was last fetched into (git writes <c>FETCH_HEAD</c> on every fetch); a cache that never
    /// fetched counts from its folder's last write.
    /// </summary>
    public static DateTimeOffset LastFetch(string cache)
    {
        var fetchHead = Path.Combine(cache, "FETCH_HEAD");
        return File.Exists(fetchHead) ? LastWrite(fetchHead) : LastWrite(cache);
    }
}
