using System.Text;

namespace DevServer.Vendors.Core.Git;

/// <summary>
/// Reads small files that something untrusted may have replaced — a checkout's <c>.git</c> file after the agent or a
/// verification stage ran there — without letting it hang or exhaust the reader: opening a FIFO would block until a
/// writer came, reading <c>/dev/zero</c> through a link would never end.
/// </summary>
public static class UntrustedFile
{
    /// <summary>Enough for a <c>gitdir: &lt;path&gt;</c> line, and for git's back-pointer in a worktree's registration.</summary>
    public const int MaxGitPointerBytes = 4096;

    /// <summary>
    /// The text of <paramref name="path"/> when it is a regular file of 1 to <paramref name="maxBytes"/> bytes and not a
    /// link; null otherwise or when it cannot be read. Checked before it is opened (FIFOs, sockets and device nodes have
    /// size 0), and the read is bounded all the same.
    /// </summary>
    public static string? ReadSmall(string path, int maxBytes = MaxGitPointerBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var file = new FileInfo(path);
        if (!file.Exists || file.LinkTarget is not null || file.Length == 0 || file.Length > maxBytes)
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            var buffer = new byte[maxBytes];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return Encoding.UTF8.GetString(buffer, 0, read);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
