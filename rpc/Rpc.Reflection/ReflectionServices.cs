using Google.Protobuf;

namespace Rpc.Reflection;

/// <summary><c>grpc.reflection.v1.ServerReflection</c>: one <see cref="ReflectionResponder"/> per stream.</summary>
internal sealed class ReflectionServiceV1(DescriptorIndexCache indexes) : V1.ServerReflection.ServerReflectionBase
{
    public override async Task ServerReflectionInfo(
        IAsyncStreamReader<V1.ServerReflectionRequest> requestStream,
        IServerStreamWriter<V1.ServerReflectionResponse> responseStream,
        ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var responder = new ReflectionResponder(indexes.Current);
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(responder.Answer(requestStream.Current), context.CancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// <c>grpc.reflection.v1alpha.ServerReflection</c>. Its messages have the same fields and numbers as v1's, so
/// each request and response crosses to and from the v1 types by re-parsing its bytes: one implementation
/// answers both versions, and the two cannot drift apart.
/// </summary>
internal sealed class ReflectionServiceV1Alpha(DescriptorIndexCache indexes) : V1Alpha.ServerReflection.ServerReflectionBase
{
    public override async Task ServerReflectionInfo(
        IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requestStream,
        IServerStreamWriter<V1Alpha.ServerReflectionResponse> responseStream,
        ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var responder = new ReflectionResponder(indexes.Current);
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requestStream.Current.ToByteString());
            var response = V1Alpha.ServerReflectionResponse.Parser.ParseFrom(responder.Answer(request).ToByteString());
            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
        }
    }
}
