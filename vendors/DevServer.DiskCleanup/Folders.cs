namespace DevServer.DiskCleanup;

/// <summary>Deletes folders that an agent or a build may have left read-only.</summary>
public static class Folders
{
    public static void Delete(string path)
    {
        if (!Directory.Exists(path))
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or IOException)
        {
            // A folder without write permission keeps its entries; give the owner full rights and try once more.
            if (!OperatingSystem.IsWindows())
            {
                MakeWritable(new DirectoryInfo(path));
            }

            Directory.Delete(path, recursive: true);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void MakeWritable(DirectoryInfo directory)
    {
        directory.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var child in directory.EnumerateDirectories())
        {
            if (child.LinkTarget is null)
            {
                MakeWritable(child);
            }
        }
    }
}
