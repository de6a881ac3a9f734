using Grpc.Testing;
using Rpc;
using Rpc.Wire;

namespace DevServer.Interop.Client;

/// <summary>One named case and whether gRPC-Web can carry it.</summary>
internal sealed record InteropCase(string Name, Func<Task> RunAsync, bool OverWeb);

/// <summary>
/// The standard interop cases (grpc/grpc doc/interop-test-descriptions.md) against one server. Over gRPC-Web only
/// the unary and server-streaming cases run (gRPC-Web has no client or bidi streams), and custom_metadata and
/// status_code_and_message drop their FullDuplexCall half. This file: the table and the unary cases.
/// </summary>
internal sealed partial class InteropCases
{
    private const int LargeRequestSize = 271828;
    private const int LargeResponseSize = 314159;
    private const string Gzip = "gzip";
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoInitialValue = "test_initial_metadata_value";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";
    private const string SpecialStatusMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001F608\t\n";

    // Every call gets a deadline, so a server that never answers fails the case instead of hanging it.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);
    private static readonly byte[] EchoTrailingValue = [0xab, 0xab, 0xab];
    private static readonly WriteOptions Uncompressed = new(WriteFlags.NoCompress);

    private readonly TestService.TestServiceClient _client;
    private readonly UnimplementedService.UnimplementedServiceClient _unimplemented;
    private readonly TimeProvider _time;
    private readonly bool _web;
    private readonly CancellationToken _cancellationToken;

    public InteropCases(ChannelBase channel, GrpcWireFormat transport, TimeProvider time, CancellationToken cancellationToken)
    {
        _client = new TestService.TestServiceClient(channel);
        _unimplemented = new UnimplementedService.UnimplementedServiceClient(channel);
        _time = time;
        _web = transport != GrpcWireFormat.Grpc;
        _cancellationToken = cancellationToken;
        All =
        [
            new("empty_unary", EmptyUnaryAsync, OverWeb: true),
            new("large_unary", LargeUnaryAsync, OverWeb: true),
            new("client_compressed_unary", ClientCompressedUnaryAsync, OverWeb: false),
            new("server_compressed_unary", ServerCompressedUnaryAsync, OverWeb: false),
            new("client_streaming", ClientStreamingAsync, OverWeb: false),
            new("client_compressed_streaming", ClientCompressedStreamingAsync, OverWeb: false),
            new("server_streaming", ServerStreamingAsync, OverWeb: true),
            new("server_compressed_streaming", ServerCompressedStreamingAsync, OverWeb: false),
            new("ping_pong", PingPongAsync, OverWeb: false),
            new("empty_stream", EmptyStreamAsync, OverWeb: false),
            new("custom_metadata", CustomMetadataAsync, OverWeb: true),
            new("status_code_and_message", StatusCodeAndMessageAsync, OverWeb: true),
            new("special_status_message", SpecialStatusMessageAsync, OverWeb: true),
            new("unimplemented_method", UnimplementedMethodAsync, OverWeb: true),
            new("unimplemented_service", UnimplementedServiceAsync, OverWeb: true),
            new("cancel_after_begin", CancelAfterBeginAsync, OverWeb: false),
            new("cancel_after_first_response", CancelAfterFirstResponseAsync, OverWeb: false),
            new("timeout_on_sleeping_server", TimeoutOnSleepingServerAsync, OverWeb: false),
        ];
    }

    /// <summary>Every case, in the standard order.</summary>
    public IReadOnlyList<InteropCase> All { get; }

    /// <summary>The cases <paramref name="name"/> selects (<c>all</c>: every case this transport can carry).</summary>
    public IReadOnlyList<InteropCase>? Select(string name, out string error)
    {
        error = string.Empty;
        if (name == "all")
        {
            return [.. All.Where(c => c.OverWeb || !_web)];
        }

        var selected = All.FirstOrDefault(c => c.Name == name);
        if (selected is null)
        {
            error = $"unknown --test_case={name}; known: all {string.Join(' ', All.Select(c => c.Name))}";
            return null;
        }

        if (_web && !selected.OverWeb)
        {
            error = $"{name} needs client or bidi streaming (or the h2 compression flags), which gRPC-Web cannot carry";
            return null;
        }

        return [selected];
    }

    private async Task EmptyUnaryAsync()
    {
        var response = await _client.EmptyCallAsync(new Empty(), Options());
        Check.That(response is not null, "EmptyCall returned no message");
    }

    private async Task LargeUnaryAsync()
    {
        var response = await _client.UnaryCallAsync(LargeRequest(), Options());
        Check.Zeros(response.Payload, LargeResponseSize);
    }

    private async Task ClientCompressedUnaryAsync()
    {
        // The probe goes out uncompressed: a server that checks CompressedRequest must refuse it.
        var probe = LargeRequest();
        probe.ExpectCompressed = new BoolValue { Value = true };
        await Check.StatusAsync(async () => await _client.UnaryCallAsync(probe, Options()), StatusCode.InvalidArgument);

        var compressed = await _client.UnaryCallAsync(probe, Options() with { RequestCompression = Gzip });
        Check.Zeros(compressed.Payload, LargeResponseSize);

        var request = LargeRequest();
        request.ExpectCompressed = new BoolValue { Value = false };
        var uncompressed = await _client.UnaryCallAsync(request, Options());
        Check.Zeros(uncompressed.Payload, LargeResponseSize);
    }

    private async Task ServerCompressedUnaryAsync()
    {
        foreach (var compress in new[] { true, false })
        {
            var frames = ResponseFrameObserver.Observe();
            var request = LargeRequest();
            request.ResponseCompressed = new BoolValue { Value = compress };
            var response = await _client.UnaryCallAsync(request, Options());
            Check.Zeros(response.Payload, LargeResponseSize);
            Check.CompressedFlags(frames, [compress]);
        }
    }

    private async Task CustomMetadataAsync()
    {
        using (var unary = _client.UnaryCallAsync(LargeRequest(), Options(EchoMetadata())))
        {
            var headers = await unary.ResponseHeadersAsync;
            var response = await unary;
            Check.Zeros(response.Payload, LargeResponseSize);
            CheckEchoedMetadata("UnaryCall", headers, unary.GetTrailers());
        }

        if (_web)
        {
            return;
        }

        using var duplex = _client.FullDuplexCall(Options(EchoMetadata()));
        await duplex.RequestStream.WriteAsync(Ping(LargeResponseSize, LargeRequestSize), _cancellationToken);
        await duplex.RequestStream.CompleteAsync();
        var duplexHeaders = await duplex.ResponseHeadersAsync;
        Check.Sizes(await ReadAllAsync(duplex.ResponseStream), [LargeResponseSize]);
        CheckEchoedMetadata("FullDuplexCall", duplexHeaders, duplex.GetTrailers());
    }

    private async Task StatusCodeAndMessageAsync()
    {
        var status = new EchoStatus { Code = (int)StatusCode.Unknown, Message = "test status message" };
        await Check.StatusAsync(
            async () => await _client.UnaryCallAsync(new SimpleRequest { ResponseStatus = status }, Options()),
            StatusCode.Unknown,
            status.Message);
        if (_web)
        {
            return;
        }

        await Check.StatusAsync(
            async () =>
            {
                using var call = _client.FullDuplexCall(Options());
                await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = status }, _cancellationToken);
                await call.RequestStream.CompleteAsync();
                await ReadAllAsync(call.ResponseStream);
            },
            StatusCode.Unknown,
            status.Message);
    }

    private Task SpecialStatusMessageAsync()
    {
        var status = new EchoStatus { Code = (int)StatusCode.Unknown, Message = SpecialStatusMessage };
        return Check.StatusAsync(
            async () => await _client.UnaryCallAsync(new SimpleRequest { ResponseStatus = status }, Options()),
            StatusCode.Unknown,
            SpecialStatusMessage);
    }

    private Task UnimplementedMethodAsync() =>
        Check.StatusAsync(async () => await _client.UnimplementedCallAsync(new Empty(), Options()), StatusCode.Unimplemented);

    private Task UnimplementedServiceAsync() =>
        Check.StatusAsync(async () => await _unimplemented.UnimplementedCallAsync(new Empty(), Options()), StatusCode.Unimplemented);

    private CallOptions Options(Metadata? headers = null) =>
        new(headers, _time.GetUtcNow().UtcDateTime + CallTimeout, _cancellationToken);

    private static SimpleRequest LargeRequest() =>
        new() { ResponseSize = LargeResponseSize, Payload = Zeros(LargeRequestSize) };

    private static Payload Zeros(int size) =>
        new() { Type = PayloadType.Compressable, Body = Google.Protobuf.ByteString.CopyFrom(new byte[size]) };

    private static Metadata EchoMetadata() =>
        new() { { EchoInitialKey, EchoInitialValue }, { EchoTrailingKey, EchoTrailingValue } };

    private static void CheckEchoedMetadata(string call, Metadata headers, Metadata trailers)
    {
        var initial = headers.GetAll(EchoInitialKey).ToArray();
        Check.That(
            initial is [{ IsBinary: false } entry] && entry.Value == EchoInitialValue,
            $"{call}: initial metadata echo was [{string.Join(", ", initial.Select(e => e.ToString()))}]");
        var trailing = trailers.GetAll(EchoTrailingKey).ToArray();
        Check.That(
            trailing is [{ IsBinary: true } binary] && binary.ValueBytes.AsSpan().SequenceEqual(EchoTrailingValue),
            $"{call}: trailing metadata echo was [{string.Join(", ", trailing.Select(e => e.ToString()))}]");
    }
}
