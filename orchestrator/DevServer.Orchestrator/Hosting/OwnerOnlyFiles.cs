namespace DevServer.Orchestrator.Hosting;

/// <summary>
/// Files only the orchestrator's user may read (the bootstrap API tokens, the secret key) in a data directory only it
/// may enter: never briefly readable by others, and never seen half-written.
/// </summary>
internal static class OwnerOnlyFiles
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory (0700) if it does not exist; an existing one keeps its mode.</summary>
    public static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Resets an existing file to 0600, whatever happened to it meanwhile.</summary>
    public static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerReadWrite);
        }
    }

    /// <summary>
    /// Writes <paramref name="text"/> and a newline to a temporary file created 0600 and moves it to
    /// <paramref name="path"/>: a reader sees the old file or the whole new one. Without <paramref name="overwrite"/>
    /// an existing file wins (of processes racing to create it, the first), and the result is false.
    /// </summary>
    public static bool WriteAtomically(string path, string text, bool overwrite)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerReadWrite;
            }

            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
                writer.Write('\n');
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite);
            return true;
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
