using System.Collections;

namespace DevServer.Processes;

/// <summary>Builds a child's environment from the parent's and the spec.</summary>
internal static class ChildEnvironment
{
    // What a program needs to find its tools, its home, its language and its temp folder; nothing that could be a
    // credential (tokens, API keys, DSNs) ever is on this list.
    private static readonly HashSet<string> Harmless = new(StringComparer.Ordinal)
    {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR",
    };

    public static void Apply(ProcessSpec spec, IDictionary<string, string?> target)
    {
        if (spec.EnvironmentMode == EnvironmentMode.Scrubbed)
        {
            target.Clear();
            foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
            {
                var name = (string)entry.Key;
                if (Harmless.Contains(name) || name.StartsWith("LC_", StringComparison.Ordinal))
                {
                    target[name] = (string?)entry.Value;
                }
            }
        }

        foreach (var (name, value) in spec.Environment)
        {
            target[name] = value;
        }
    }
}
