using System.Buffers;
using Google.Protobuf;
using Grpc.Testing;
using Rpc;
using Rpc.Wire;

namespace DevServer.Benchmarks;

/// <summary>
/// The messages every contender exchanges, and their exact gRPC frames. grpc-js's bench client sends the same
/// messages (a request carrying <c>payload</c> zero bytes and asking for as many back); the raw contender sends and
/// answers with these frames byte for byte, so all three move the same bytes per call.
/// </summary>
internal sealed class Payloads
{
    public const string UnaryPath = "/grpc.testing.TestService/UnaryCall";
    public const string StreamPath = "/grpc.testing.TestService/StreamingOutputCall";

    public Payloads(int payloadSize, int streamMessages)
    {
        PayloadSize = payloadSize;
        StreamMessages = streamMessages;
        var body = ByteString.CopyFrom(new byte[payloadSize]);
        UnaryRequest = new SimpleRequest { ResponseSize = payloadSize, Payload = new Payload { Body = body } };
        StreamRequest = new StreamingOutputCallRequest();
        for (var i = 0; i < streamMessages; i++)
        {
            StreamRequest.ResponseParameters.Add(new ResponseParameters { Size = payloadSize });
        }

        UnaryRequestFrame = Frame(UnaryRequest, SimpleRequest.Parser);
        UnaryResponseFrame = Frame(new SimpleResponse { Payload = new Payload { Body = body } }, SimpleResponse.Parser);
        StreamRequestFrame = Frame(StreamRequest, StreamingOutputCallRequest.Parser);
        StreamResponseFrame = Frame(new StreamingOutputCallResponse { Payload = new Payload { Body = body } }, StreamingOutputCallResponse.Parser);
    }

    public int PayloadSize { get; }

    public int StreamMessages { get; }

    public SimpleRequest UnaryRequest { get; }

    public StreamingOutputCallRequest StreamRequest { get; }

    public byte[] UnaryRequestFrame { get; }

    public byte[] UnaryResponseFrame { get; }

    public byte[] StreamRequestFrame { get; }

    public byte[] StreamResponseFrame { get; }

    /// <summary>The uncompressed length-prefixed frame of a message, as the wire layer writes it.</summary>
    private static byte[] Frame<T>(T message, MessageParser<T> parser)
        where T : IMessage<T>, IBufferMessage
    {
        var output = new ArrayBufferWriter<byte>();
        new MessageWriter(maxMessageSize: null).Write(output, message, Marshallers.ForProtobuf(parser), compression: null);
        return output.WrittenSpan.ToArray();
    }
}
