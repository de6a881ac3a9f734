using DevServer.Testing;

namespace DevServer.Interop.Tests.Infrastructure;

/// <summary>Our built interop programs (declared as TestProgram items in the project file), run with <see cref="BuiltPrograms.Dotnet"/>.</summary>
internal static class InteropPrograms
{
    /// <summary>The built DevServer.Interop.Server.dll.</summary>
    public static string ServerAssembly => BuiltPrograms.Assembly(typeof(InteropPrograms).Assembly, "DevServer.Interop.Server");

    /// <summary>The built DevServer.Interop.Client.dll.</summary>
    public static string ClientAssembly => BuiltPrograms.Assembly(typeof(InteropPrograms).Assembly, "DevServer.Interop.Client");
}
