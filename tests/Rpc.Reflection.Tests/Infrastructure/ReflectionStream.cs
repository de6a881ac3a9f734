using Google.Protobuf;
using Rpc.Reflection.V1;

namespace Rpc.Reflection.Tests.Infrastructure;

/// <summary>Which reflection service a test talks to.</summary>
public enum ReflectionVersion
{
    V1,
    V1Alpha,
}

/// <summary>
/// One ServerReflectionInfo call through our generated client, for either version. Tests speak v1 messages;
/// for v1alpha they travel as v1alpha messages on the v1alpha method (the field numbers are the same), so the
/// same assertions run against both services.
/// </summary>
internal sealed class ReflectionStream : IDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    private readonly IDisposable _call;
    private readonly Func<ServerReflectionRequest, Task> _write;
    private readonly Func<Task> _complete;
    private readonly Func<CancellationToken, Task<bool>> _moveNext;
    private readonly Func<ServerReflectionResponse> _current;

    private ReflectionStream(
        IDisposable call,
        Func<ServerReflectionRequest, Task> write,
        Func<Task> complete,
        Func<CancellationToken, Task<bool>> moveNext,
        Func<ServerReflectionResponse> current)
    {
        _call = call;
        _write = write;
        _complete = complete;
        _moveNext = moveNext;
        _current = current;
    }

    public static ReflectionStream Open(ChannelBase channel, ReflectionVersion version, CancellationToken cancellationToken)
    {
        if (version == ReflectionVersion.V1)
        {
            var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(cancellationToken: cancellationToken);
            return new ReflectionStream(
                call,
                request => call.RequestStream.WriteAsync(request, cancellationToken),
                call.RequestStream.CompleteAsync,
                call.ResponseStream.MoveNext,
                () => call.ResponseStream.Current);
        }

        var alpha = new V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(cancellationToken: cancellationToken);
        return new ReflectionStream(
            alpha,
            request => alpha.RequestStream.WriteAsync(V1Alpha.ServerReflectionRequest.Parser.ParseFrom(request.ToByteString()), cancellationToken),
            alpha.RequestStream.CompleteAsync,
            alpha.ResponseStream.MoveNext,
            () => ServerReflectionResponse.Parser.ParseFrom(alpha.ResponseStream.Current.ToByteString()));
    }

    /// <summary>Sends one request and reads its answer (each request gets exactly one, in order).</summary>
    public async Task<ServerReflectionResponse> AskAsync(ServerReflectionRequest request, CancellationToken cancellationToken)
    {
        await _write(request).WaitAsync(AnswerTimeout, cancellationToken);
        var moved = await _moveNext(cancellationToken).WaitAsync(AnswerTimeout, cancellationToken);
        Assert.True(moved, "The reflection stream ended instead of answering.");
        return _current();
    }

    /// <summary>Half-closes and expects the server to end the call cleanly.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await _complete().WaitAsync(AnswerTimeout, cancellationToken);
        Assert.False(await _moveNext(cancellationToken).WaitAsync(AnswerTimeout, cancellationToken), "An answer nobody asked for.");
    }

    public void Dispose() => _call.Dispose();
}
