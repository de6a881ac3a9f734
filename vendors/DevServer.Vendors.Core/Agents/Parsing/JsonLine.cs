using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace DevServer.Vendors.Core.Agents.Parsing;

/// <summary>
/// Reads one line of an agent CLI's JSON output without ever throwing: bad input is a value, not an exception. The
/// property readers are extensions in their own namespace, so only parsers that ask for them see them.
/// </summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Each reader is named after the JSON value kind it reads, as a parser's code reads: json.String(\"type\").")]
public static class JsonLine
{
    /// <summary>The line's JSON object, or null when the line is not (complete) JSON or not an object.</summary>
    public static JsonElement? TryParseObject(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The string property <paramref name="name"/>; null when it is missing or not a string.</summary>
    public static string? String(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>The integer property <paramref name="name"/>; null when it is missing, not a number or not an integer.</summary>
    public static long? Long(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt64(out var number)
            ? number
            : null;

    /// <summary>The number property <paramref name="name"/>; null when it is missing or not a number.</summary>
    public static double? Double(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : null;

    /// <summary>The boolean property <paramref name="name"/>; null when it is missing or not true/false.</summary>
    public static bool? Bool(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    /// <summary>The object property <paramref name="name"/>; null when it is missing or not an object.</summary>
    public static JsonElement? Object(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : null;
}
