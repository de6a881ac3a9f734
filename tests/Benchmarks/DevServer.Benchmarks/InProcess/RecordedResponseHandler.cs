using System.Net;
using DevServer.Testing;
using Rpc.Wire;

namespace DevServer.Benchmarks.InProcess;

/// <summary>
/// Answers every request with the same recorded gRPC response: HTTP/2 200, <c>application/grpc</c>, the given body
/// (read back in fixed-size chunks, as a network stream hands out what has arrived) and <c>grpc-status: 0</c>.
/// The request body is read to its end first, as a server would.
/// </summary>
internal sealed class RecordedResponseHandler(byte[] body, int readSize) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content)
        {
            await content.CopyToAsync(Stream.Null, cancellationToken);
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Version = HttpVersion.Version20,
            RequestMessage = request,
            Content = new StreamContent(new ChunkedReadStream(body, readSize)),
        };
        response.Content.Headers.TryAddWithoutValidation(GrpcProtocol.ContentTypeHeader, GrpcProtocol.GrpcContentType);
        response.TrailingHeaders.TryAddWithoutValidation(GrpcProtocol.StatusTrailer, "0");
        return response;
    }
}

/// <summary>A read-only stream over a byte array that returns at most <c>readSize</c> bytes per read, synchronously.</summary>
internal sealed class ChunkedReadStream(byte[] data, int readSize) : ReadOnlyStream
{
    private int _position;

    public override int Read(Span<byte> buffer)
    {
        var count = Math.Min(Math.Min(buffer.Length, readSize), data.Length - _position);
        data.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<int>(cancellationToken) : new(Read(buffer.Span));
}
