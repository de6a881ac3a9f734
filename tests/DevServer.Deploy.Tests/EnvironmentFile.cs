namespace DevServer.Deploy.Tests;

/// <summary>
/// The files in /etc/devserver as systemd's EnvironmentFile= reads them (<c>NAME=value</c> lines, # and ; comments,
/// a value in matching quotes unquoted), and edited as an operator edits them: a setting is changed on its own line,
/// or a commented template line <c>#NAME=…</c> is uncommented with the new value.
/// </summary>
internal static class EnvironmentFile
{
    public static IEnumerable<(string Name, string Value)> Read(string path)
    {
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"{path}: not a NAME=value line: {raw}");
            var value = line[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            yield return (line[..equals].Trim(), value);
        }
    }

    /// <summary>
    /// Gives <paramref name="name"/> the value <paramref name="value"/> where the template has it (set or commented
    /// out). A template without the setting fails the test: the operator would have nothing to edit, and the
    /// name is then probably misspelled there.
    /// </summary>
    public static void Set(string path, string name, string value)
    {
        var lines = File.ReadAllLines(path);
        var index = Array.FindIndex(lines, line => line.StartsWith(name + "=", StringComparison.Ordinal));
        if (index < 0)
        {
            index = Array.FindIndex(lines, line => line.StartsWith("#" + name + "=", StringComparison.Ordinal));
        }

        Assert.True(index >= 0, $"{path} has no line for the setting {name} (set or commented out) to edit.");
        lines[index] = $"{name}={value}";
        File.WriteAllLines(path, lines);
    }
}
