using System.Text;

namespace Rpc.CodeGen;

/// <summary>Builds C# source text with four-space indentation and LF line ends.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder text = new();
    private int depth;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            text.Append(' ', depth * 4).Append(line);
        }

        text.Append('\n');
        return this;
    }

    /// <summary>
    /// Writes <paramref name="header"/> (unless empty) and an opening brace; dispose the result to close it.
    /// </summary>
    public Block Open(string header)
    {
        if (header.Length > 0)
        {
            Line(header);
        }

        Line("{");
        depth++;
        return new Block(this);
    }

    /// <summary>Writes an XML doc summary from comment lines; nothing when there are none.</summary>
    public CodeWriter Summary(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return this;
        }

        Line("/// <summary>");
        foreach (var line in lines)
        {
            Line(line.Length == 0 ? "///" : "/// " + line);
        }

        return Line("/// </summary>");
    }

    public override string ToString() => text.ToString();

    private void Close()
    {
        depth--;
        Line("}");
    }

    public readonly struct Block(CodeWriter writer) : IDisposable
    {
        public void Dispose() => writer.Close();
    }
}
