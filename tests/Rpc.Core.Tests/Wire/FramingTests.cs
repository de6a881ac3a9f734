using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf.WellKnownTypes;
using Rpc.Wire;

namespace Rpc.Core.Tests.Wire;

public sealed class FramingTests
{
    private static readonly Marshaller<StringValue> Marshaller = Marshallers.ForProtobuf(StringValue.Parser);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Write_UncompressedMessage_WritesPrefixAndPayload()
    {
        var output = new ArrayBufferWriter<byte>();
        new MessageWriter(maxMessageSize: null).Write(output, new StringValue { Value = "hi" }, Marshaller, compression: null);

        Assert.Equal(new byte[] { 0, 0, 0, 0, 4, 0x0A, 0x02, (byte)'h', (byte)'i' }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task ReadAsync_MessagesPackedTogetherThenSplitByteByByte_YieldsEveryMessage()
    {
        var frames = Frames(["one", "two", string.Empty, new string('x', 1000)]);
        var pipe = new Pipe();
        var writer = Task.Run(
            async () =>
            {
                // First half in one write (several frames packed), the rest one byte at a time.
                var half = frames.Length / 2;
                await pipe.Writer.WriteAsync(frames.AsMemory(0, half), Token);
                for (var i = half; i < frames.Length; i++)
                {
                    await pipe.Writer.WriteAsync(frames.AsMemory(i, 1), Token);
                }

                await pipe.Writer.CompleteAsync();
            },
            Token);

        var reader = new MessageReader(GrpcProtocol.DefaultMaxMessageSize, compression: null);
        var values = new List<string>();
        while (await reader.ReadAsync(pipe.Reader, Marshaller, Token) is { } message)
        {
            values.Add(message.Value);
        }

        await writer;
        Assert.Equal(["one", "two", string.Empty, new string('x', 1000)], values);
    }

    [Fact]
    public async Task ReadAsync_LengthPrefixOverLimit_FailsResourceExhaustedBeforeThePayloadArrives()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0, 0x7F, 0xFF, 0xFF, 0xFF }, Token); // announces ~2 GiB, sends nothing

        var reader = new MessageReader(maxMessageSize: 1024, compression: null);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync(pipe.Reader, Marshaller, Token));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task ReadAsync_StreamEndsInsideAFrame_FailsInternal()
    {
        var error = await ReadOnlyAsync(new byte[] { 0, 0, 0, 0, 10, 1, 2, 3 }, compression: null);
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("Incomplete", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_CompressedFlagWithoutEncoding_FailsInternal()
    {
        var error = await ReadOnlyAsync(new byte[] { 1, 0, 0, 0, 0 }, compression: null);
        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task ReadAsync_GarbagePayload_FailsInternalWithMessage()
    {
        var error = await ReadOnlyAsync(new byte[] { 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF }, compression: null);
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.StartsWith("Failed to deserialize", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteThenRead_Gzip_RoundTripsWithCompressedFlag()
    {
        var gzip = new GzipCompressionProvider();
        var output = new ArrayBufferWriter<byte>();
        new MessageWriter(maxMessageSize: null).Write(output, new StringValue { Value = new string('a', 5000) }, Marshaller, gzip);
        Assert.Equal(GrpcProtocol.CompressedFlag, output.WrittenSpan[0]);
        Assert.True(output.WrittenCount < 1000, "5000 repeated bytes should compress well");

        var reader = new MessageReader(maxMessageSize: null, gzip);
        var message = await reader.ReadAsync(PipeReader.Create(new ReadOnlySequence<byte>(output.WrittenMemory)), Marshaller, Token);

        Assert.Equal(new string('a', 5000), message!.Value);
    }

    [Fact]
    public async Task ReadAsync_CompressedMessageInflatingPastLimit_FailsResourceExhausted()
    {
        var gzip = new GzipCompressionProvider();
        var output = new ArrayBufferWriter<byte>();
        new MessageWriter(maxMessageSize: null).Write(output, new StringValue { Value = new string('a', 1_000_000) }, Marshaller, gzip);

        var reader = new MessageReader(maxMessageSize: 64 * 1024, gzip);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await reader.ReadAsync(PipeReader.Create(new ReadOnlySequence<byte>(output.WrittenMemory)), Marshaller, Token));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public void Write_MessageOverSendLimit_FailsResourceExhaustedAndWritesNothing()
    {
        var output = new ArrayBufferWriter<byte>();
        var error = Assert.Throws<RpcException>(() =>
            new MessageWriter(maxMessageSize: 10).Write(output, new StringValue { Value = new string('a', 100) }, Marshaller, compression: null));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void WebTrailers_WriteThenParse_CarriesStatusMessageAndBinaryTrailers()
    {
        var output = new ArrayBufferWriter<byte>();
        var trailers = new Metadata { { "x-tag", "v" }, { "x-data-bin", new byte[] { 1, 2, 3 } } };
        GrpcWebTrailers.Write(output, new Status(StatusCode.NotFound, "no such ☺"), trailers);

        Assert.Equal(GrpcProtocol.WebTrailersFlag, output.WrittenSpan[0]);
        var pairs = GrpcWebTrailers.Parse(new ReadOnlySequence<byte>(output.WrittenMemory[5..]));
        Assert.Contains(new KeyValuePair<string, string>("grpc-status", "5"), pairs);
        Assert.Equal("no such ☺", GrpcStatusMessage.Decode(pairs.Single(p => p.Key == "grpc-message").Value));
        Assert.Contains(new KeyValuePair<string, string>("x-data-bin", "AQID"), pairs);
    }

    private static async Task<RpcException> ReadOnlyAsync(byte[] bytes, ICompressionProvider? compression)
    {
        var reader = new MessageReader(GrpcProtocol.DefaultMaxMessageSize, compression);
        var pipe = PipeReader.Create(new ReadOnlySequence<byte>(bytes));
        return await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync(pipe, Marshaller, Token));
    }

    [Fact]
    public void TryReadMessage_SeveralFramesAndPartOfOne_TakesWholeOnesInOrderAndLeavesThePart()
    {
        var whole = Frames(["one", "two"]);
        var partial = Frames(["three"]);
        var buffer = new ReadOnlySequence<byte>([.. whole, .. partial.AsSpan(0, 3)]);
        var reader = new MessageReader(GrpcProtocol.DefaultMaxMessageSize, compression: null);

        Assert.True(reader.TryReadMessage(ref buffer, Marshaller, out var first));
        Assert.True(reader.TryReadMessage(ref buffer, Marshaller, out var second));
        Assert.False(reader.TryReadMessage(ref buffer, Marshaller, out var none));

        Assert.Equal(["one", "two"], [first.Value, second.Value]);
        Assert.Null(none);
        Assert.Equal(3, buffer.Length);
    }

    [Fact]
    public void TryReadMessage_PrefixSplitAcrossSegments_ReadsTheMessage()
    {
        var frame = Frames(["split"]);
        var buffer = Segments(frame[..2], frame[2..4], frame[4..]);
        var reader = new MessageReader(GrpcProtocol.DefaultMaxMessageSize, compression: null);

        Assert.True(reader.TryReadMessage(ref buffer, Marshaller, out var message));

        Assert.Equal("split", message.Value);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryReadMessage_GarbagePayload_FailsInternalAndLeavesTheBuffer()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 0, 2, 0xFF, 0xFF });
        var reader = new MessageReader(GrpcProtocol.DefaultMaxMessageSize, compression: null);

        var error = Assert.Throws<RpcException>(() => reader.TryReadMessage(ref buffer, Marshaller, out _));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal(7, buffer.Length);
    }

    private static byte[] Frames(IEnumerable<string> values)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessageWriter(maxMessageSize: null);
        foreach (var value in values)
        {
            writer.Write(output, new StringValue { Value = value }, Marshaller, compression: null);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>A sequence made of the given parts, one segment each.</summary>
    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
