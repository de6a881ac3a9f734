namespace DevServer.Failures;

/// <summary>The named values a rule captured, with the small helpers its hint is written with.</summary>
internal sealed class Captures(IReadOnlyDictionary<string, string> values)
{
    /// <summary>The longest captured value a hint quotes; longer ones are cut with an ellipsis.</summary>
    private const int MaxValueLength = 240;

    /// <summary>The value of group <paramref name="name"/>, or an empty string.</summary>
    public string this[string name] =>
        values.TryGetValue(name, out var value) ? Shorten(value) : "";

    public bool Has(string name) => values.ContainsKey(name);

    /// <summary>The first of <paramref name="names"/> that was captured, or <paramref name="fallback"/>.</summary>
    public string First(string fallback, params string[] names)
    {
        foreach (var name in names)
        {
            if (Has(name))
            {
                return this[name];
            }
        }

        return fallback;
    }

    /// <summary><c>file:line:column</c> from the captures (as much as was captured), or <paramref name="fallback"/>.</summary>
    public string Location(string fallback = "")
    {
        if (!Has("file"))
        {
            return fallback;
        }

        var location = this["file"];
        if (Has("line"))
        {
            location += ":" + this["line"];
            if (Has("column"))
            {
                location += ":" + this["column"];
            }
        }

        return location;
    }

    /// <summary><paramref name="prefix"/> + the location when there is one (" in src/a.py:3"), else nothing.</summary>
    public string At(string prefix = " in ") => Has("file") ? prefix + Location() : "";

    /// <summary><paramref name="prefix"/> + the value of <paramref name="name"/> + <paramref name="suffix"/> when captured, else nothing.</summary>
    public string Optional(string name, string prefix, string suffix = "") => Has(name) ? prefix + this[name] + suffix : "";

    private static string Shorten(string value)
    {
        value = value.Trim();
        return value.Length <= MaxValueLength
            ? value
            : value[..MaxValueLength] + "…";
    }
}
