using System.Buffers;

namespace Rpc.CodeGen.Tests.Infrastructure;

/// <summary>Runs a marshaller's contextual serializer and deserializer over plain buffers.</summary>
internal static class BufferMarshalling
{
    public static T RoundTrip<T>(Marshaller<T> marshaller, T message)
    {
        var serialization = new BufferSerializationContext();
        marshaller.ContextualSerializer(message, serialization);
        return marshaller.ContextualDeserializer(new BufferDeserializationContext(serialization.Payload));
    }

    private sealed class BufferSerializationContext : SerializationContext
    {
        private readonly ArrayBufferWriter<byte> buffer = new();
        private int? announcedLength;

        public byte[] Payload { get; private set; } = [];

        public override void Complete(byte[] payload) => Payload = payload;

        public override void SetPayloadLength(int payloadLength) => announcedLength = payloadLength;

        public override IBufferWriter<byte> GetBufferWriter() => buffer;

        public override void Complete()
        {
            Payload = buffer.WrittenSpan.ToArray();
            Assert.Equal(announcedLength, Payload.Length);
        }
    }

    private sealed class BufferDeserializationContext(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => (byte[])payload.Clone();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }
}
