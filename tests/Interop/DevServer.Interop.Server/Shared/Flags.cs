using System.Globalization;

namespace DevServer.Interop.Shared;

/// <summary>
/// The <c>--name=value</c> flags of the interop programs, in the style of the standard gRPC interop clients and
/// servers (and of the Node peers beside them). Unknown flags are an error, so a typo in a test's command line
/// fails loudly instead of being ignored.
/// </summary>
internal sealed class Flags
{
    private readonly Dictionary<string, string> _values;

    private Flags(Dictionary<string, string> values) => _values = values;

    /// <summary>
    /// Parses <paramref name="args"/> against <paramref name="spec"/> (flag name → default, null when required).
    /// Null with <paramref name="error"/> set when a flag is unknown, malformed or missing.
    /// </summary>
    public static Flags? Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> spec, out string error)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in args)
        {
            var separator = arg.IndexOf('=', StringComparison.Ordinal);
            if (!arg.StartsWith("--", StringComparison.Ordinal) || separator < 0)
            {
                error = $"expected --name=value, got '{arg}'{Accepted(spec)}";
                return null;
            }

            var name = arg[2..separator];
            if (!spec.ContainsKey(name))
            {
                error = $"unknown flag --{name}{Accepted(spec)}";
                return null;
            }

            values[name] = arg[(separator + 1)..];
        }

        foreach (var (name, fallback) in spec)
        {
            if (values.ContainsKey(name))
            {
                continue;
            }

            if (fallback is null)
            {
                error = $"missing required flag --{name}";
                return null;
            }

            values[name] = fallback;
        }

        error = string.Empty;
        return new Flags(values);
    }

    public string this[string name] => _values[name];

    /// <summary>An integer flag within bounds; null with <paramref name="error"/> set otherwise.</summary>
    public int? Int(string name, int min, int max, out string error)
    {
        var text = _values[name];
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            error = string.Empty;
            return value;
        }

        error = $"--{name} must be an integer in [{min}, {max}], got '{text}'";
        return null;
    }

    /// <summary>A boolean flag (true/false/1/0); null with <paramref name="error"/> set otherwise.</summary>
    public bool? Bool(string name, out string error)
    {
        error = string.Empty;
        switch (_values[name].ToUpperInvariant())
        {
            case "TRUE" or "1":
                return true;
            case "FALSE" or "0" or "":
                return false;
            default:
                error = $"--{name} must be true or false, got '{_values[name]}'";
                return null;
        }
    }

    /// <summary>
    /// Checks <c>--use_tls</c>, which both programs accept for compatibility with the standard interop command lines
    /// but only as false: the interop tests run over h2c and HTTP/1.1 on loopback (TLS is covered elsewhere).
    /// </summary>
    public bool PlaintextOnly(out string error)
    {
        if (Bool("use_tls", out error) is not { } useTls)
        {
            return false;
        }

        if (useTls)
        {
            error = "--use_tls=true is not supported: the interop tests run over h2c and HTTP/1.1 on loopback";
            return false;
        }

        return true;
    }

    private static string Accepted(IReadOnlyDictionary<string, string?> spec) =>
        "; accepted flags: " + string.Join(' ', spec.Keys.Select(k => "--" + k));
}
