using System.IO.Compression;

namespace Rpc.Wire;

/// <summary>A per-message compression algorithm, named as in <c>grpc-encoding</c>.</summary>
public interface ICompressionProvider
{
    /// <summary>The encoding name, e.g. <c>gzip</c>.</summary>
    string EncodingName { get; }

    Stream CreateCompressionStream(Stream destination);

    Stream CreateDecompressionStream(Stream source);
}

/// <summary>gzip, the encoding every gRPC implementation supports.</summary>
public sealed class GzipCompressionProvider(CompressionLevel level = CompressionLevel.Fastest) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream destination) => new GZipStream(destination, level, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream source) => new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
}

/// <summary>deflate (zlib framing), also defined by the gRPC compression spec.</summary>
public sealed class DeflateCompressionProvider(CompressionLevel level = CompressionLevel.Fastest) : ICompressionProvider
{
    public string EncodingName => "deflate";

    public Stream CreateCompressionStream(Stream destination) => new ZLibStream(destination, level, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream source) => new ZLibStream(source, CompressionMode.Decompress, leaveOpen: true);
}

/// <summary>The set of encodings one side supports, and the <c>grpc-accept-encoding</c> value that advertises it.</summary>
public sealed class CompressionProviders
{
    public static readonly CompressionProviders Default = new([new GzipCompressionProvider(), new DeflateCompressionProvider()]);

    private readonly Dictionary<string, ICompressionProvider> _byName;

    public CompressionProviders(IEnumerable<ICompressionProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _byName = providers.ToDictionary(p => p.EncodingName, StringComparer.OrdinalIgnoreCase);
        AcceptEncoding = string.Join(',', new[] { GrpcProtocol.IdentityEncoding }.Concat(_byName.Keys));
    }

    /// <summary>The value for <c>grpc-accept-encoding</c>: identity plus every provider's name.</summary>
    public string AcceptEncoding { get; }

    /// <summary>
    /// Resolves a received <c>grpc-encoding</c>. Null or identity yields true with a null provider; an unknown
    /// encoding yields false (the receiver answers UNIMPLEMENTED).
    /// </summary>
    public bool TryGet(string? encoding, out ICompressionProvider? provider)
    {
        provider = null;
        if (string.IsNullOrEmpty(encoding) || encoding.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (_byName.TryGetValue(encoding, out var found))
        {
            provider = found;
            return true;
        }

        return false;
    }

    /// <summary>True when a peer's <c>grpc-accept-encoding</c> list names the encoding.</summary>
    public static bool Accepts(string? acceptEncoding, string encoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return false;
        }

        foreach (var part in acceptEncoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Equals(encoding, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
