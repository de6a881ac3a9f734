namespace Rpc.CodeGen;

/// <summary>An input the plugin cannot generate code for; reported to protoc as the response's error.</summary>
internal sealed class GeneratorException : Exception
{
    public GeneratorException()
    {
    }

    public GeneratorException(string message)
        : base(message)
    {
    }

    public GeneratorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
