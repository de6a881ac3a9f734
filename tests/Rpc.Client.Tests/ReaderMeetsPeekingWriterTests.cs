using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using static Rpc.Client.Tests.ServerWire;

namespace Rpc.Client.Tests;

/// <summary>
/// A duplex reader and writer on two threads after the server has ended the call: each failed write looks ahead for
/// the status (the read state is Peeking meanwhile) while the reader keeps calling MoveNext. A MoveNext that arrives
/// just as a look-ahead ends must read on, never report a read in progress.
/// </summary>
public sealed class ReaderMeetsPeekingWriterTests(GrpcTestServer server) : ClientTestBase(server)
{
    private const int Messages = 2_000;
    private const int CallsPerConnection = 50;

    [Fact(Timeout = 60_000)]
    public async Task Duplex_ReaderLoopsWhileWriterLooksAheadAgainAndAgain_ReaderGetsEveryMessageThenTheStatus()
    {
        var batch = Enumerable.Range(0, Messages).SelectMany(i => Frame("m")).ToArray();
        var name = Server.Map("ManyThenFail", async context =>
        {
            Start(context);
            await WriteRawAsync(context, batch);
            Trailers(context, StatusCode.Aborted, "stopped");
        });

        var watch = Stopwatch.StartNew();
        var calls = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            // A fresh connection now and then: Kestrel answers ENHANCE_YOUR_CALM after a couple of hundred such calls
            // (ended by the server while the client still sends) on one connection, which is not what this test is about.
            using var channel = RpcChannel.ForAddress(Server.H2cAddress);
            for (var i = 0; i < CallsPerConnection; i++)
            {
                calls++;
                await CallOnceAsync(channel.CreateCallInvoker(), name, calls);
            }
        }
    }

    private static async Task CallOnceAsync(CallInvoker invoker, string name, int calls)
    {
        using var call = invoker.AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var writing = Task.Run(() => WriteUntilStoppedAsync(call.RequestStream, stop.Token), Ct);
        var reading = Task.Run(() => ReadAllAsync(call.ResponseStream), Ct);

        var (received, error) = await Within(reading, 20);
        await stop.CancelAsync();
        await Within(writing, 20);

        Assert.True(error is RpcException { StatusCode: StatusCode.Aborted }, $"call {calls}: {error}");
        Assert.Equal(Messages, received);
    }

    private static async Task WriteUntilStoppedAsync(IClientStreamWriter<StringValue> writer, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await writer.WriteAsync(Text("w"), CancellationToken.None);
            }
            catch (RpcException)
            {
                // The server's status, found by looking ahead; every later write looks again.
            }
        }
    }

    private static async Task<(int Received, Exception? Error)> ReadAllAsync(IAsyncStreamReader<StringValue> reader)
    {
        var received = 0;
        try
        {
            while (await reader.MoveNext(Ct))
            {
                received++;
            }

            return (received, null);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            return (received, ex);
        }
    }
}
