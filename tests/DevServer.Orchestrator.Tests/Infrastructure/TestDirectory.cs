namespace DevServer.Orchestrator.Tests.Infrastructure;

/// <summary>
/// A fresh folder under /tmp, deleted on disposal. Others may enter it (0755): as root the embedded PostgreSQL runs as
/// <c>nobody</c>, who must reach the cluster below it.
/// </summary>
public sealed class TestDirectory : IDisposable
{
    private const UnixFileMode Enterable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public TestDirectory()
    {
        // Short on purpose: the cluster's socket path below it must stay within 107 bytes.
        Path = Directory.CreateTempSubdirectory("ds-").FullName;
        File.SetUnixFileMode(Path, Enterable);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A server still shutting down may remove its own files meanwhile; the folder is in /tmp anyway.
        }
    }
}
