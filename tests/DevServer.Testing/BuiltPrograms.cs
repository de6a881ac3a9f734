using System.Reflection;

namespace DevServer.Testing;

/// <summary>
/// The .NET programs a test project runs as child processes (declared with TestPrograms.targets), and the dotnet
/// host to run them with.
/// </summary>
public static class BuiltPrograms
{
    private static readonly BuildRecord Testing = BuildRecord.Of(typeof(BuiltPrograms).Assembly);

    /// <summary>The .NET installation of the SDK that built the tests (a program's host, and nested builds).</summary>
    public static string DotnetRoot => Testing.Get("DotnetRoot");

    /// <summary>The dotnet host of <see cref="DotnetRoot"/>: runs a built program as <c>dotnet &lt;assembly&gt;</c>.</summary>
    public static string Dotnet => Path.Combine(DotnetRoot, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");

    /// <summary>The built assembly (.dll) of the program <paramref name="assemblyName"/> that <paramref name="testAssembly"/> declared.</summary>
    public static string Assembly(Assembly testAssembly, string assemblyName) =>
        ExistingFile(BuildRecord.Of(testAssembly).Get($"TestProgram:{assemblyName}"));

    /// <summary>The program's native launcher (apphost) beside its assembly, for tools that execute it directly.</summary>
    public static string Executable(Assembly testAssembly, string assemblyName)
    {
        var assembly = BuildRecord.Of(testAssembly).Get($"TestProgram:{assemblyName}");
        return ExistingFile(Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null));
    }

    private static string ExistingFile(string path) =>
        File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} does not exist: build the solution first (dotnet build DevServer.sln).");
}
