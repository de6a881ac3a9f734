using System.Text.Json;
using DevServer.Vendors.Core.Agents.Parsing;

namespace DevServer.Vendors.ClaudeCode;

/// <summary>One-line summaries (at most 200 characters) of a tool call's input and of its result, for the activity feed.</summary>
internal static class ToolSummaries
{
    // The input field that says what a built-in tool acts on.
    private static readonly Dictionary<string, string[]> KeyFields = new(StringComparer.Ordinal)
    {
        ["Bash"] = ["command"],
        ["Read"] = ["file_path"],
        ["Edit"] = ["file_path"],
        ["MultiEdit"] = ["file_path"],
        ["Write"] = ["file_path"],
        ["NotebookEdit"] = ["notebook_path"],
        ["Glob"] = ["pattern", "path"],
        ["Grep"] = ["pattern", "path"],
        ["WebFetch"] = ["url"],
        ["WebSearch"] = ["query"],
        ["Task"] = ["description"],
    };

    public static string OfInput(string tool, JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            return OneLine(input.ValueKind == JsonValueKind.String ? input.GetString()! : input.GetRawText());
        }

        if (KeyFields.TryGetValue(tool, out var fields))
        {
            var values = fields.Select(f => input.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                .OfType<string>()
                .ToList();
            if (values.Count > 0)
            {
                return OneLine(string.Join(" in ", values));
            }
        }

        if (tool == "TodoWrite" && input.TryGetProperty("todos", out var todos) && todos.ValueKind == JsonValueKind.Array)
        {
            return $"{todos.GetArrayLength()} todos";
        }

        // Other tools (MCP ones included): the first string argument says most, else the JSON itself.
        var first = input.EnumerateObject().FirstOrDefault(p => p.Value.ValueKind == JsonValueKind.String);
        return OneLine(first.Value.ValueKind == JsonValueKind.String ? first.Value.GetString()! : input.GetRawText());
    }

    public static string OfOutput(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => OneLine(content.GetString()!),
        JsonValueKind.Array => OneLine(string.Join(' ', content.EnumerateArray()
            .Where(b => b.ValueKind == JsonValueKind.Object && b.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(b => b.GetProperty("text").GetString()))),
        _ => string.Empty,
    };

    private static string OneLine(string text) => AgentText.Summary(text);
}
