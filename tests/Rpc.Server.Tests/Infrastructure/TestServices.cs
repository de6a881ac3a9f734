using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using System.Runtime.CompilerServices;

namespace Rpc.Server.Tests.Infrastructure;

/// <summary>
/// A hand-written equivalent of what protoc-gen-rpc generates for a service <c>test.Tester</c>: method
/// objects, a base class marked with <see cref="BindServiceMethodAttribute"/>, and a static BindService.
/// </summary>
public static class Tester
{
    public const string ServiceName = "test.Tester";

    private static readonly Marshaller<StringValue> Text = Marshallers.ForProtobuf(StringValue.Parser);
    private static readonly Marshaller<BytesValue> Binary = Marshallers.ForProtobuf(BytesValue.Parser);

    public static readonly Method<StringValue, StringValue> Echo = new(MethodType.Unary, ServiceName, "Echo", Text, Text);
    public static readonly Method<StringValue, StringValue> EchoMetadata = new(MethodType.Unary, ServiceName, "EchoMetadata", Text, Text);
    public static readonly Method<StringValue, StringValue> Fail = new(MethodType.Unary, ServiceName, "Fail", Text, Text);
    public static readonly Method<StringValue, StringValue> Wait = new(MethodType.Unary, ServiceName, "Wait", Text, Text);
    public static readonly Method<StringValue, StringValue> IgnoreDeadline = new(MethodType.Unary, ServiceName, "IgnoreDeadline", Text, Text);
    public static readonly Method<StringValue, StringValue> Info = new(MethodType.Unary, ServiceName, "Info", Text, Text);
    public static readonly Method<BytesValue, BytesValue> Bytes = new(MethodType.Unary, ServiceName, "Bytes", Binary, Binary);
    public static readonly Method<StringValue, StringValue> Compress = new(MethodType.Unary, ServiceName, "Compress", Text, Text);
    public static readonly Method<StringValue, StringValue> Count = new(MethodType.ServerStreaming, ServiceName, "Count", Text, Text);
    public static readonly Method<StringValue, StringValue> Ticker = new(MethodType.ServerStreaming, ServiceName, "Ticker", Text, Text);
    public static readonly Method<StringValue, StringValue> WriteAfterEnd = new(MethodType.ServerStreaming, ServiceName, "WriteAfterEnd", Text, Text);
    public static readonly Method<StringValue, StringValue> Concat = new(MethodType.ClientStreaming, ServiceName, "Concat", Text, Text);
    public static readonly Method<StringValue, StringValue> Chat = new(MethodType.DuplexStreaming, ServiceName, "Chat", Text, Text);

    [BindServiceMethod(typeof(Tester), nameof(BindService))]
    public abstract class TesterBase
    {
        public virtual Task<StringValue> Echo(StringValue request, ServerCallContext context) => throw Unimplemented();

        public virtual Task<StringValue> EchoMetadata(StringValue request, ServerCallContext context) => throw Unimplemented();

        public virtual Task<StringValue> Fail(StringValue request, ServerCallContext context) => throw Unimplemented();

        public virtual Task<StringValue> Wait(StringValue request, ServerCallContext context) => throw Unimplemented();

        public virtual Task<StringValue> IgnoreDeadline(StringValue request, ServerCallContext context) => throw Unimplemented();

        public virtual Task<StringValue> Info(StringValue request, ServerCallContext context) => throw Unimplemented();

        public virtual Task<BytesValue> Bytes(BytesValue request, ServerCallContext context) => throw Unimplemented();

        public virtual Task<StringValue> Compress(StringValue request, ServerCallContext context) => throw Unimplemented();

        public virtual Task Count(StringValue request, IServerStreamWriter<StringValue> responseStream, ServerCallContext context) => throw Unimplemented();

        public virtual Task Ticker(StringValue request, IServerStreamWriter<StringValue> responseStream, ServerCallContext context) => throw Unimplemented();

        public virtual Task WriteAfterEnd(StringValue request, IServerStreamWriter<StringValue> responseStream, ServerCallContext context) => throw Unimplemented();

        public virtual Task<StringValue> Concat(IAsyncStreamReader<StringValue> requestStream, ServerCallContext context) => throw Unimplemented();

        public virtual Task Chat(IAsyncStreamReader<StringValue> requestStream, IServerStreamWriter<StringValue> responseStream, ServerCallContext context) => throw Unimplemented();

        private static RpcException Unimplemented() => new(new Status(StatusCode.Unimplemented, string.Empty));
    }

    public static void BindService<TService>(ServiceBinder<TService> binder)
        where TService : TesterBase
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddUnaryMethod(Echo, static (service, request, context) => service.Echo(request, context));
        binder.AddUnaryMethod(EchoMetadata, static (service, request, context) => service.EchoMetadata(request, context));
        binder.AddUnaryMethod(Fail, static (service, request, context) => service.Fail(request, context));
        binder.AddUnaryMethod(Wait, static (service, request, context) => service.Wait(request, context));
        binder.AddUnaryMethod(IgnoreDeadline, static (service, request, context) => service.IgnoreDeadline(request, context));
        binder.AddUnaryMethod(Info, static (service, request, context) => service.Info(request, context));
        binder.AddUnaryMethod(Bytes, static (service, request, context) => service.Bytes(request, context));
        binder.AddUnaryMethod(Compress, static (service, request, context) => service.Compress(request, context));
        binder.AddServerStreamingMethod(Count, static (service, request, stream, context) => service.Count(request, stream, context));
        binder.AddServerStreamingMethod(Ticker, static (service, request, stream, context) => service.Ticker(request, stream, context));
        binder.AddServerStreamingMethod(WriteAfterEnd, static (service, request, stream, context) => service.WriteAfterEnd(request, stream, context));
        binder.AddClientStreamingMethod(Concat, static (service, stream, context) => service.Concat(stream, context));
        binder.AddDuplexStreamingMethod(Chat, static (service, input, output, context) => service.Chat(input, output, context));
    }
}

/// <summary>What the test service saw, for assertions from the test side. One per test server.</summary>
public sealed class CallProbe
{
    private readonly ConcurrentQueue<string> _events = new();
    private int _activations;
    private int _disposals;

    public IReadOnlyCollection<string> Events => _events;

    public int Activations => Volatile.Read(ref _activations);

    public int Disposals => Volatile.Read(ref _disposals);

    public TaskCompletionSource<string> Started { get; } = NewSource<string>();

    public TaskCompletionSource<bool> HandlerTokenFired { get; } = NewSource<bool>();

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<Exception?> LateWriteOutcome { get; } = NewSource<Exception?>();

    public void Record(string value) => _events.Enqueue(value);

    public void Activated() => Interlocked.Increment(ref _activations);

    public void Disposed() => Interlocked.Increment(ref _disposals);

    private static TaskCompletionSource<T> NewSource<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The test implementation; each method's behaviour is steered by its request.</summary>
public sealed class TesterService : Tester.TesterBase, IDisposable
{
    private static readonly TimeSpan HandlerCap = TimeSpan.FromSeconds(20);
    private readonly CallProbe _probe;
    private readonly TimeProvider _time;

    public TesterService(CallProbe probe, TimeProvider time)
    {
        _probe = probe;
        _time = time;
        probe.Activated();
    }

    public void Dispose() => _probe.Disposed();

    public override Task<StringValue> Echo(StringValue request, ServerCallContext context)
    {
        _probe.Record("handler:Echo");
        return Task.FromResult(new StringValue { Value = request.Value });
    }

    /// <summary>Echoes x-echo-* request metadata as response headers and trailers; returns all request metadata.</summary>
    public override async Task<StringValue> EchoMetadata(StringValue request, ServerCallContext context)
    {
        var echoed = new Metadata();
        var description = new StringBuilder();
        foreach (var entry in context.RequestHeaders)
        {
            description.Append(entry.Key).Append('=')
                .Append(entry.IsBinary ? Convert.ToHexString(entry.ValueBytes) : entry.Value).Append('\n');
            if (entry.Key.StartsWith("x-echo-", StringComparison.Ordinal))
            {
                echoed.Add(entry);
                context.ResponseTrailers.Add(entry);
            }
        }

        await context.WriteResponseHeadersAsync(echoed);
        return new StringValue { Value = description.ToString() };
    }

    /// <summary>
    /// "rpc:CODE:MESSAGE" throws RpcException with trailers; "throw:MESSAGE" throws InvalidOperationException;
    /// "status:CODE:MESSAGE" sets context.Status and returns; "null" returns no message.
    /// </summary>
    public override Task<StringValue> Fail(StringValue request, ServerCallContext context)
    {
        var parts = request.Value.Split(':', 3);
        switch (parts[0])
        {
            case "rpc":
                var trailers = new Metadata { { "x-trailer", "t" }, { "x-data-bin", new byte[] { 1, 2, 3 } } };
                throw new RpcException(new Status((StatusCode)int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]), trailers);
            case "throw":
                throw new InvalidOperationException(parts[1]);
            case "status":
                context.Status = new Status((StatusCode)int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]);
                return Task.FromResult(new StringValue { Value = "ignored" });
            default:
                return Task.FromResult<StringValue>(null!);
        }
    }

    /// <summary>Waits for the call's token; records that it fired.</summary>
    public override async Task<StringValue> Wait(StringValue request, ServerCallContext context)
    {
        _probe.Started.TrySetResult(context.GetHttpContext().Connection.Id);
        try
        {
            await Task.Delay(HandlerCap, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            _probe.HandlerTokenFired.TrySetResult(true);
            throw;
        }

        return new StringValue { Value = "timed out" };
    }

    /// <summary>Ignores its token until released, then reports whether the token had fired.</summary>
    public override async Task<StringValue> IgnoreDeadline(StringValue request, ServerCallContext context)
    {
        _probe.Started.TrySetResult(context.GetHttpContext().Connection.Id);
        await _probe.Release.Task.WaitAsync(HandlerCap);
        _probe.HandlerTokenFired.TrySetResult(context.CancellationToken.IsCancellationRequested);
        return new StringValue { Value = "late" };
    }

    public override Task<StringValue> Info(StringValue request, ServerCallContext context)
    {
        var remaining = context.Deadline == DateTime.MaxValue
            ? "none"
            : ((long)(context.Deadline - _time.GetUtcNow().UtcDateTime).TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var http = context.GetHttpContext();
        var value = string.Join(
            ';',
            $"remainingMs={remaining}",
            $"method={context.Method}",
            $"host={context.Host}",
            $"peer={context.Peer}",
            $"connection={http.Connection.Id}",
            $"instance={RuntimeHelpers.GetHashCode(this)}");
        return Task.FromResult(new StringValue { Value = value });
    }

    public override Task<BytesValue> Bytes(BytesValue request, ServerCallContext context) =>
        Task.FromResult(new BytesValue { Value = request.Value });

    /// <summary>Returns a compressible text; the request names the compression ("" = default, "nocompress" = per-message opt-out).</summary>
    public override Task<StringValue> Compress(StringValue request, ServerCallContext context)
    {
        if (request.Value == "nocompress")
        {
            context.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
        }
        else if (request.Value.Length > 0)
        {
            context.ResponseCompression = request.Value;
        }

        return Task.FromResult(new StringValue { Value = CompressibleText });
    }

    public static string CompressibleText { get; } = string.Concat(Enumerable.Repeat("compress me please ", 200));

    /// <summary>"N" writes 0..N-1; "N:fail" then throws RpcException(ABORTED) with a trailer.</summary>
    public override async Task Count(StringValue request, IServerStreamWriter<StringValue> responseStream, ServerCallContext context)
    {
        var parts = request.Value.Split(':');
        if (!int.TryParse(parts[0], CultureInfo.InvariantCulture, out var count) || count is < 0 or > 10_000)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Count takes a number from 0 to 10000."));
        }

        for (var i = 0; i < count; i++)
        {
            await responseStream.WriteAsync(new StringValue { Value = i.ToString(CultureInfo.InvariantCulture) }, context.CancellationToken);
        }

        if (parts.Length > 1)
        {
            throw new RpcException(new Status(StatusCode.Aborted, "stopped"), new Metadata { { "x-trailer", "t" } });
        }
    }

    /// <summary>Writes "first", waits for release (ignoring its token), then tries "second" and records the outcome.</summary>
    public override async Task Ticker(StringValue request, IServerStreamWriter<StringValue> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new StringValue { Value = "first" }, CancellationToken.None);
        _probe.Started.TrySetResult("first written");
        await _probe.Release.Task.WaitAsync(HandlerCap);
        _probe.HandlerTokenFired.TrySetResult(context.CancellationToken.IsCancellationRequested);
        try
        {
            await responseStream.WriteAsync(new StringValue { Value = "second" }, CancellationToken.None);
            _probe.LateWriteOutcome.TrySetResult(null);
        }
        catch (Exception ex)
        {
            _probe.LateWriteOutcome.TrySetResult(ex);
            throw;
        }
    }

    /// <summary>Returns at once but leaves a task that writes after release.</summary>
    public override Task WriteAfterEnd(StringValue request, IServerStreamWriter<StringValue> responseStream, ServerCallContext context)
    {
        _ = Task.Run(async () =>
        {
            await _probe.Release.Task.WaitAsync(HandlerCap);
            try
            {
                await responseStream.WriteAsync(new StringValue { Value = "too late" }, CancellationToken.None);
                _probe.LateWriteOutcome.TrySetResult(null);
            }
            catch (Exception ex)
            {
                _probe.LateWriteOutcome.TrySetResult(ex);
            }
        });
        return Task.CompletedTask;
    }

    public override async Task<StringValue> Concat(IAsyncStreamReader<StringValue> requestStream, ServerCallContext context)
    {
        var parts = new List<string>();
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            parts.Add(requestStream.Current.Value);
        }

        return new StringValue { Value = string.Join(',', parts) };
    }

    public override async Task Chat(IAsyncStreamReader<StringValue> requestStream, IServerStreamWriter<StringValue> responseStream, ServerCallContext context)
    {
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new StringValue { Value = "echo:" + message.Value }, context.CancellationToken);
        }
    }
}

/// <summary>A second service, mapped without gRPC-Web, whose bind type carries a protobuf Descriptor.</summary>
public static class Plain
{
    public const string ServiceName = "test.Plain";

    public static readonly Method<StringValue, StringValue> Echo = new(
        MethodType.Unary, ServiceName, "Echo", Marshallers.ForProtobuf(StringValue.Parser), Marshallers.ForProtobuf(StringValue.Parser));

    private static readonly Lazy<Google.Protobuf.Reflection.ServiceDescriptor> LazyDescriptor = new(BuildDescriptor);

    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => LazyDescriptor.Value;

    [BindServiceMethod(typeof(Plain), nameof(BindService))]
    public abstract class PlainBase
    {
        public abstract Task<StringValue> Echo(StringValue request, ServerCallContext context);
    }

    public static void BindService<TService>(ServiceBinder<TService> binder)
        where TService : PlainBase
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddUnaryMethod(Echo, static (service, request, context) => service.Echo(request, context));
    }

    private static Google.Protobuf.Reflection.ServiceDescriptor BuildDescriptor()
    {
        var file = new Google.Protobuf.Reflection.FileDescriptorProto
        {
            Name = "test/plain.proto",
            Package = "test",
            Syntax = "proto3",
            Dependency = { "google/protobuf/wrappers.proto" },
            Service =
            {
                new Google.Protobuf.Reflection.ServiceDescriptorProto
                {
                    Name = "Plain",
                    Method =
                    {
                        new Google.Protobuf.Reflection.MethodDescriptorProto
                        {
                            Name = "Echo",
                            InputType = ".google.protobuf.StringValue",
                            OutputType = ".google.protobuf.StringValue",
                        },
                    },
                },
            },
        };
        var files = Google.Protobuf.Reflection.FileDescriptor.BuildFromByteStrings(
            [WrappersReflection.Descriptor.SerializedData, file.ToByteString()]);
        return files[^1].Services[0];
    }
}

/// <summary>Registered in DI as scoped in some tests, to show DI-resolved services.</summary>
public sealed class PlainService(CallProbe probe) : Plain.PlainBase
{
    public override Task<StringValue> Echo(StringValue request, ServerCallContext context)
    {
        probe.Record("plain:" + RuntimeHelpers.GetHashCode(this).ToString(CultureInfo.InvariantCulture));
        return Task.FromResult(new StringValue { Value = "plain:" + request.Value });
    }
}
