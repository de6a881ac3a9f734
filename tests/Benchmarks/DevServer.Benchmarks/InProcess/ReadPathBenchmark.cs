using System.Diagnostics;
using System.Globalization;
using DevServer.Benchmarks.Load;
using DevServer.Benchmarks.Report;
using DevServer.Benchmarks.Serving;
using Grpc.Testing;
using Rpc;
using Rpc.Client;

namespace DevServer.Benchmarks.InProcess;

/// <summary>
/// The client's read path for a server stream, in one process and on one thread, against a bare loop over the same
/// bytes. The network run shares two cores between two processes and resolves only large changes; this one resolves
/// a few nanoseconds per message, which is the size of most steps left in the read path.
/// <list type="bullet">
/// <item><b>ours</b>: the generated client's <c>StreamingOutputCall</c> through <see cref="RpcChannel"/>, read with
/// <c>await foreach ReadAllAsync</c>, as application code reads a stream.</item>
/// <item><b>ours, MoveNext loop</b>: the same with <c>while (await MoveNext())</c>, which separates the enumerator's
/// cost from the call's.</item>
/// <item><b>bare</b>: <c>PipeReader</c> + <c>MessageReader.TryReadFrame</c> + <c>Parser.ParseFrom</c> over the same
/// body: the least any reader that hands out protobuf messages can do.</item>
/// </list>
/// The response body comes from <see cref="RecordedResponseHandler"/> in 4 KiB reads (the network run's client got
/// 38–49 messages of 109 bytes per read of the HTTP/2 stream when counted).
/// </summary>
internal static class ReadPathBenchmark
{
    private const int Repetitions = 15;
    private const int CallsPerRepetition = 1000;
    private const int ReadSize = 4096;

    public static async Task<int> RunAsync(BenchFlags flags, CancellationToken cancellationToken)
    {
        var payloads = new Payloads(flags.Shape.Payload, flags.Shape.StreamMessages);
        var body = Repeat(payloads.StreamResponseFrame, payloads.StreamMessages);
        using var channel = RpcChannel.ForAddress(new Uri("http://in-process"), new RpcChannelOptions
        {
            HttpHandler = new RecordedResponseHandler(body, ReadSize),
            DisposeHttpHandler = true,
        });
        var client = new TestService.TestServiceClient(channel);

        (string Name, Func<Task<int>> ReadCall)[] readers =
        [
            ("ours (await foreach ReadAllAsync)", () => ReadAllAsync(client, payloads, cancellationToken)),
            ("ours (MoveNext loop)", () => MoveNextLoopAsync(client, payloads, cancellationToken)),
            ("bare (PipeReader + TryReadFrame + ParseFrom)", () => BareAsync(body, payloads, cancellationToken)),
        ];

        // Tier-1 code with PGO before anything counts.
        foreach (var (_, readCall) in readers)
        {
            await MeasureAsync(readCall, calls: 300, payloads.StreamMessages);
        }

        var samples = readers.Select(_ => new List<double>()).ToArray();
        for (var repetition = 0; repetition < Repetitions; repetition++)
        {
            for (var i = 0; i < readers.Length; i++)
            {
                samples[i].Add(await MeasureAsync(readers[i].ReadCall, CallsPerRepetition, payloads.StreamMessages));
            }
        }

        var bare = samples[^1].Min();
        Console.WriteLine("## rpc/ client read path, in process");
        Console.WriteLine();
        Console.WriteLine(Format($"- {payloads.StreamMessages} responses of {payloads.StreamResponseFrame.Length} B per call, body in {ReadSize} B reads; {Repetitions} repetitions of {CallsPerRepetition} calls, alternating"));
        Console.WriteLine(Format($"- .NET {Environment.Version}, {Environment.ProcessorCount} cores, {ServerStats.DescribeGc()}"));
        Console.WriteLine();
        Console.WriteLine("| read path | ns per message (minimum) | ns per message (median) | bare / this (minimum) |");
        Console.WriteLine("|---|--:|--:|--:|");
        for (var i = 0; i < readers.Length; i++)
        {
            var min = samples[i].Min();
            Console.WriteLine(Format($"| {readers[i].Name} | {min:F1} | {RunResults.Median([.. samples[i]]):F1} | {bare / min:P0} |"));
        }

        return 0;
    }

    private static async Task<int> ReadAllAsync(TestService.TestServiceClient client, Payloads payloads, CancellationToken cancellationToken)
    {
        using var call = client.StreamingOutputCall(payloads.StreamRequest, cancellationToken: cancellationToken);
        var received = 0;
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            received += response.Payload.Body.Length == payloads.PayloadSize ? 1 : 0;
        }

        return received;
    }

    private static async Task<int> MoveNextLoopAsync(TestService.TestServiceClient client, Payloads payloads, CancellationToken cancellationToken)
    {
        using var call = client.StreamingOutputCall(payloads.StreamRequest, cancellationToken: cancellationToken);
        var responses = call.ResponseStream;
        var received = 0;
        while (await responses.MoveNext(cancellationToken))
        {
            received += responses.Current.Payload.Body.Length == payloads.PayloadSize ? 1 : 0;
        }

        return received;
    }

    private static Task<int> BareAsync(byte[] body, Payloads payloads, CancellationToken cancellationToken) =>
        RawLoad.ReadFramesAsync(new ChunkedReadStream(body, ReadSize), payloads, protobuf: true, worker: null, cancellationToken);

    /// <summary>Nanoseconds per message over <paramref name="calls"/> calls; throws if a call lost a message.</summary>
    private static async Task<double> MeasureAsync(Func<Task<int>> readCall, int calls, int messagesPerCall)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            if (await readCall() is var received && received != messagesPerCall)
            {
                throw new InvalidOperationException($"A call yielded {received} of {messagesPerCall} messages.");
            }
        }

        return Stopwatch.GetElapsedTime(started).TotalNanoseconds / ((double)calls * messagesPerCall);
    }

    private static byte[] Repeat(byte[] frame, int count)
    {
        var body = new byte[frame.Length * count];
        for (var i = 0; i < count; i++)
        {
            frame.CopyTo(body, i * frame.Length);
        }

        return body;
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
