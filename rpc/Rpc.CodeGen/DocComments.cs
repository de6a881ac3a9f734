using System.Text;
using Google.Protobuf.Reflection;

namespace Rpc.CodeGen;

/// <summary>
/// The leading comments of a file's services and methods (from <c>source_code_info</c>, which protoc sends for the
/// files to generate), as lines ready to put into XML doc comments.
/// </summary>
internal sealed class DocComments
{
    // Field numbers in descriptor.proto that make up a location path.
    private const int FileServiceField = 6;
    private const int ServiceMethodField = 2;

    private readonly Dictionary<string, string> leadingByPath = new(StringComparer.Ordinal);

    public DocComments(FileDescriptorProto file)
    {
        if (file.SourceCodeInfo is null)
        {
            return;
        }

        foreach (var location in file.SourceCodeInfo.Location)
        {
            if (location.HasLeadingComments)
            {
                leadingByPath[string.Join(',', location.Path)] = location.LeadingComments;
            }
        }
    }

    public IReadOnlyList<string> ForService(int serviceIndex) => Lines($"{FileServiceField},{serviceIndex}");

    public IReadOnlyList<string> ForMethod(int serviceIndex, int methodIndex) =>
        Lines($"{FileServiceField},{serviceIndex},{ServiceMethodField},{methodIndex}");

    private IReadOnlyList<string> Lines(string path) =>
        leadingByPath.TryGetValue(path, out var comment) ? ToDocLines(comment) : [];

    /// <summary>
    /// Splits a proto comment into XML-escaped lines: the one space after <c>//</c> is dropped, blank lines at
    /// either end are removed, and characters XML cannot carry are left out, so the consuming project's
    /// documentation build (CS1570) never sees malformed XML.
    /// </summary>
    public static IReadOnlyList<string> ToDocLines(string comment)
    {
        var lines = comment.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .Select(line => Escape(line.StartsWith(' ') ? line[1..] : line).TrimEnd())
            .ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        return lines;
    }

    private static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&':
                    builder.Append("&amp;");
                    break;
                case '<':
                    builder.Append("&lt;");
                    break;
                case '>':
                    builder.Append("&gt;");
                    break;
                case '\t':
                    builder.Append("    ");
                    break;
                case < ' ' or '\uFFFE' or '\uFFFF':
                    // Not allowed in XML 1.0.
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }
}
