using System.Text;
using Google.Protobuf.Reflection;

namespace Rpc.CodeGen;

/// <summary>
/// The C# names protoc's own C# generator gives to what a .proto declares. The generated services refer to message
/// classes and reflection classes that protoc (through Grpc.Tools) generates separately, so every rule here must
/// agree with protoc to the character; the plugin tests compile both outputs together to prove it.
/// </summary>
internal static class CSharpNames
{
    // Reserved C# keywords; a generated identifier equal to one of them is written with an '@' prefix.
    // Contextual keywords (var, async, record, ...) are valid identifiers and stay as they are.
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit",
        "extern", "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int",
        "interface", "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out",
        "override", "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed",
        "short", "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try",
        "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile",
        "while",
    };

    /// <summary>
    /// The C# namespace of a file's types: <c>csharp_namespace</c> verbatim when the option is present (an empty
    /// value means the global namespace), otherwise the package in PascalCase with its dots kept.
    /// </summary>
    public static string Namespace(FileDescriptorProto file) =>
        file.Options is { HasCsharpNamespace: true } options
            ? options.CsharpNamespace
            : ToPascalCase(file.Package, preservePeriods: true);

    /// <summary>
    /// The file name without directories and extension in PascalCase, e.g. <c>a/b/my_file.v2.proto</c> →
    /// <c>MyFileV2</c>. Base of the reflection class name and of the generated file's name.
    /// </summary>
    public static string FileNameBase(string protoFileName)
    {
        var name = protoFileName[(protoFileName.LastIndexOf('/') + 1)..];
        if (name.EndsWith(".protodevel", StringComparison.Ordinal))
        {
            name = name[..^".protodevel".Length];
        }
        else if (name.EndsWith(".proto", StringComparison.Ordinal))
        {
            name = name[..^".proto".Length];
        }

        return ToPascalCase(name, preservePeriods: false);
    }

    /// <summary>
    /// The fully qualified reflection class of a file (<c>global::Ns.FileNameReflection</c>). protoc does not
    /// rename it when a message has the same name (the generated messages then fail to compile), so neither
    /// do we.
    /// </summary>
    public static string ReflectionClass(FileDescriptorProto file) =>
        Qualify(Namespace(file), FileNameBase(file.Name) + "Reflection");

    /// <summary><c>global::</c> + the escaped namespace (if any) + the escaped dotted type path.</summary>
    public static string Qualify(string csharpNamespace, string typePath)
    {
        var builder = new StringBuilder("global::");
        if (csharpNamespace.Length > 0)
        {
            builder.Append(EscapeDotted(csharpNamespace)).Append('.');
        }

        return builder.Append(EscapeDotted(typePath)).ToString();
    }

    /// <summary>An identifier safe to write in C#: reserved keywords get an '@' prefix.</summary>
    public static string Escape(string identifier) =>
        Keywords.Contains(identifier) ? "@" + identifier : identifier;

    private static string EscapeDotted(string dotted) =>
        string.Join('.', dotted.Split('.').Select(Escape));

    /// <summary>
    /// protoc's underscore-to-PascalCase conversion: ASCII letters after an underscore, digit or other
    /// non-letter are capitalized, those characters are dropped (digits are kept), existing capitals stay, and
    /// periods are kept only for namespaces. A leading underscore survives when the result would otherwise
    /// start with a digit (<c>_9lives</c> → <c>_9Lives</c>).
    /// </summary>
    public static string ToPascalCase(string input, bool preservePeriods)
    {
        var result = new StringBuilder(input.Length);
        var capitalizeNext = true;
        foreach (var c in input)
        {
            if (c is >= 'a' and <= 'z')
            {
                result.Append(capitalizeNext ? (char)(c - ('a' - 'A')) : c);
                capitalizeNext = false;
            }
            else if (c is >= 'A' and <= 'Z')
            {
                result.Append(c);
                capitalizeNext = false;
            }
            else if (c is >= '0' and <= '9')
            {
                result.Append(c);
                capitalizeNext = true;
            }
            else
            {
                capitalizeNext = true;
                if (c == '.' && preservePeriods)
                {
                    result.Append('.');
                }
            }
        }

        if (result.Length > 0 && char.IsAsciiDigit(result[0]) && input.StartsWith('_'))
        {
            result.Insert(0, '_');
        }

        return result.ToString();
    }
}
