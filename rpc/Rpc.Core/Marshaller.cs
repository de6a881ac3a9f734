using System.Buffers;

namespace Rpc;

/// <summary>
/// Turns messages into payload bytes and back. Contextual: the serializer writes into a buffer the transport
/// owns and the deserializer reads a (possibly segmented) payload without copying it.
/// </summary>
public sealed class Marshaller<T>
{
    public Marshaller(Action<T, SerializationContext> serializer, Func<DeserializationContext, T> deserializer)
    {
        ContextualSerializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        ContextualDeserializer = deserializer ?? throw new ArgumentNullException(nameof(deserializer));
    }

    public Action<T, SerializationContext> ContextualSerializer { get; }

    public Func<DeserializationContext, T> ContextualDeserializer { get; }
}

/// <summary>Where a serializer puts one message's payload.</summary>
public abstract class SerializationContext
{
    /// <summary>Completes with a payload the serializer already has as an array.</summary>
    public abstract void Complete(byte[] payload);

    /// <summary>
    /// Announces the payload length before writing it through <see cref="GetBufferWriter"/>; transports use it to
    /// write the length prefix first and the payload in place.
    /// </summary>
    public abstract void SetPayloadLength(int payloadLength);

    /// <summary>The buffer to write the payload into; call <see cref="Complete()"/> when done.</summary>
    public abstract IBufferWriter<byte> GetBufferWriter();

    /// <summary>Completes a payload written through <see cref="GetBufferWriter"/>.</summary>
    public abstract void Complete();

    /// <summary>
    /// After <see cref="SetPayloadLength"/>: the room for exactly that many payload bytes, when the transport has
    /// already reserved it. A serializer that can write into a span fills it and calls <see cref="Complete()"/>,
    /// skipping the buffer writer's bookkeeping. False when there is no such room; use <see cref="GetBufferWriter"/>.
    /// </summary>
    internal virtual bool TryGetPayloadSpan(out Span<byte> payload)
    {
        payload = default;
        return false;
    }
}

/// <summary>One received message's payload, handed to a deserializer.</summary>
public abstract class DeserializationContext
{
    /// <summary>The payload length in bytes.</summary>
    public abstract int PayloadLength { get; }

    /// <summary>The payload as a new array.</summary>
    public abstract byte[] PayloadAsNewBuffer();

    /// <summary>The payload without copying; valid only during the deserializer call.</summary>
    public abstract ReadOnlySequence<byte> PayloadAsReadOnlySequence();
}
