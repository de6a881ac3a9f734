using Google.Protobuf;

namespace Rpc;

/// <summary>Factories for marshallers.</summary>
public static class Marshallers
{
    /// <summary>A marshaller over plain byte-array functions.</summary>
    public static Marshaller<T> Create<T>(Func<T, byte[]> serializer, Func<byte[], T> deserializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(deserializer);
        return new Marshaller<T>(
            (message, context) => context.Complete(serializer(message)),
            context => deserializer(context.PayloadAsNewBuffer()));
    }

    /// <summary>
    /// The marshaller generated code uses for protobuf messages: sizes the message, writes it straight into
    /// the transport's buffer and parses from the received segments without copying.
    /// </summary>
    public static Marshaller<T> ForProtobuf<T>(MessageParser<T> parser)
        where T : IMessage<T>, IBufferMessage
    {
        ArgumentNullException.ThrowIfNull(parser);
        return new Marshaller<T>(
            static (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                if (context.TryGetPayloadSpan(out var payload))
                {
                    message.WriteTo(payload);
                }
                else
                {
                    message.WriteTo(context.GetBufferWriter());
                }

                context.Complete();
            },
            context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
    }

    /// <summary>A marshaller for raw byte arrays (useful for proxies and tests).</summary>
    public static Marshaller<byte[]> Bytes { get; } = Create<byte[]>(static b => b, static b => b);
}
