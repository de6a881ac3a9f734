using System.Globalization;
using System.Text;

namespace DevServer.Deploy.Tests;

/// <summary>
/// The part of a systemd unit file that decides how its program runs: the <c>[Service]</c> section's ExecStart,
/// Environment=, EnvironmentFile=, the stop settings. Parsed as systemd does for what our units use (comments, line
/// continuations, quoting, the <c>%i</c> and <c>%%</c> specifiers, the <c>-</c> prefix of optional files, files
/// overriding Environment=); anything else it does not know (another specifier, an ExecStart prefix, a <c>$</c>
/// expansion) fails the test rather than being run differently from systemd.
/// </summary>
internal sealed class SystemdUnit
{
    private readonly Dictionary<string, List<string>> _service;
    private readonly string _settingsRoot;

    private SystemdUnit(string path, Dictionary<string, List<string>> service, string settingsRoot)
    {
        FilePath = path;
        _service = service;
        _settingsRoot = settingsRoot;
    }

    public string FilePath { get; }

    /// <param name="path">The unit file (for a template, <c>name@.service</c>).</param>
    /// <param name="instance">The instance for a template's <c>%i</c>.</param>
    /// <param name="settingsRoot">The filesystem root the EnvironmentFile= paths are read under (install.sh's --root).</param>
    public static SystemdUnit Load(string path, string? instance, string settingsRoot = "/")
    {
        var service = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? section = null;
        foreach (var line in LogicalLines(File.ReadAllLines(path)))
        {
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"{path}: not a Key=value line: {line}");
            if (section != "Service")
            {
                continue;
            }

            var key = line[..equals].Trim();
            var value = Specifiers(line[(equals + 1)..].Trim(), instance, path);
            if (!service.TryGetValue(key, out var values))
            {
                service[key] = values = [];
            }

            // An empty assignment resets the list, as in systemd.
            if (value.Length == 0)
            {
                values.Clear();
            }
            else
            {
                values.Add(value);
            }
        }

        return new SystemdUnit(path, service, settingsRoot);
    }

    /// <summary>The last value of a single-valued setting, or null.</summary>
    public string? Get(string key) => _service.TryGetValue(key, out var values) && values.Count > 0 ? values[^1] : null;

    /// <summary>ExecStart= split into the program and its arguments.</summary>
    public IReadOnlyList<string> ExecStart()
    {
        var line = Get("ExecStart") ?? throw new InvalidOperationException($"{FilePath} has no ExecStart=.");
        Assert.False(line[0] is '-' or '@' or ':' or '+' or '!', $"{FilePath}: this parser does not run ExecStart prefixes: {line}");
        Assert.DoesNotContain("$", line, StringComparison.Ordinal);
        return Words(line);
    }

    /// <summary>
    /// The service's environment from the unit: Environment= assignments, then every EnvironmentFile= in order (a
    /// missing one is an error unless it is marked optional with '-'), later values replacing earlier ones.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var assignment in _service.GetValueOrDefault("Environment", []).SelectMany(Words))
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"{FilePath}: Environment= assignment without '=': {assignment}");
            environment[assignment[..equals]] = assignment[(equals + 1)..];
        }

        foreach (var entry in _service.GetValueOrDefault("EnvironmentFile", []))
        {
            var optional = entry.StartsWith('-');
            var file = SettingsPath(optional ? entry[1..] : entry);
            if (!File.Exists(file))
            {
                Assert.True(optional, $"{FilePath}: EnvironmentFile={entry} is required, and {file} is missing.");
                continue;
            }

            foreach (var (name, value) in EnvironmentFile.Read(file))
            {
                environment[name] = value;
            }
        }

        return environment;
    }

    /// <summary>The files EnvironmentFile= names, as paths under the settings root, with whether each is optional.</summary>
    public IReadOnlyList<(string Path, bool Optional)> EnvironmentFiles() =>
        [.. _service.GetValueOrDefault("EnvironmentFile", []).Select(e => (SettingsPath(e.TrimStart('-')), e.StartsWith('-')))];

    /// <summary>A time span setting (TimeoutStopSec=45, 45s, 1min 30s).</summary>
    public TimeSpan Duration(string key)
    {
        var text = Get(key) ?? throw new InvalidOperationException($"{FilePath} has no {key}=.");
        var total = TimeSpan.Zero;
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var digits = new string([.. part.TakeWhile(char.IsAsciiDigit)]);
            var number = int.Parse(digits, CultureInfo.InvariantCulture);
            total += part[digits.Length..] switch
            {
                "" or "s" or "sec" => TimeSpan.FromSeconds(number),
                "min" or "m" => TimeSpan.FromMinutes(number),
                var unit => throw new InvalidOperationException($"{FilePath}: {key}={text}: unit '{unit}' not handled here."),
            };
        }

        return total;
    }

    private string SettingsPath(string path) => Path.Combine(_settingsRoot, path.TrimStart('/'));

    // Comments (# or ; first) and empty lines dropped, lines ending in a backslash joined with the next.
    private static IEnumerable<string> LogicalLines(IEnumerable<string> lines)
    {
        var pending = new StringBuilder();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line[0] is '#' or ';'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }

            pending.Append(line);
            yield return pending.ToString();
            pending.Clear();
        }
    }

    private static string Specifiers(string value, string? instance, string path)
    {
        var result = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '%')
            {
                result.Append(value[i]);
                continue;
            }

            Assert.True(i + 1 < value.Length, $"{path}: a lone % in {value}");
            var specifier = value[++i];
            result.Append(specifier switch
            {
                '%' => "%",
                'i' => instance ?? throw new InvalidOperationException($"{path} uses %i: load it with an instance."),
                _ => throw new InvalidOperationException($"{path}: the specifier %{specifier} is not handled by this parser."),
            });
        }

        return result.ToString();
    }

    // Whitespace-separated words; double or single quotes group a word and are removed.
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is { } open)
            {
                if (c == open)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        Assert.Null(quote);
        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
