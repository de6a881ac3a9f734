using System.Reflection;

namespace DevServer.Testing;

/// <summary>
/// What a build recorded into an assembly as <see cref="AssemblyMetadataAttribute"/> items: paths of tools, of the
/// SDK and of programs the tests run, which the tests cannot find reliably from their output folder.
/// </summary>
public sealed class BuildRecord
{
    private readonly string _assemblyName;
    private readonly Dictionary<string, string> _values;

    private BuildRecord(Assembly assembly)
    {
        _assemblyName = assembly.GetName().Name ?? assembly.FullName ?? "?";
        _values = assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(attribute => attribute.Value is not null)
            .ToDictionary(attribute => attribute.Key, attribute => attribute.Value!, StringComparer.Ordinal);
    }

    /// <summary>The values recorded in <paramref name="assembly"/> (usually the test assembly itself).</summary>
    public static BuildRecord Of(Assembly assembly) => new(assembly);

    /// <summary>The recorded value; throws when the build did not record it (or recorded it empty).</summary>
    public string Get(string key) =>
        _values.TryGetValue(key, out var value) && value.Length > 0
            ? value
            : throw new InvalidOperationException($"The build of {_assemblyName} did not record '{key}'.");
}
