using System.Diagnostics;
using DevServer.Benchmarks.Peers;
using Grpc.Testing;
using Rpc;
using Rpc.Client;

namespace DevServer.Benchmarks.Load;

/// <summary>
/// Our client against our server, used the way an application would: one <see cref="RpcChannel"/>, the generated
/// client, the run's token on every call, and each call disposed when done. The channel gets the handler
/// <see cref="LoadConnection.CreateHandler"/> makes (the channel's own settings, held to one connection).
/// </summary>
internal static class OursLoad
{
    public static async Task<Measurement> RunAsync(LoadMode mode, ServerPeer server, LoadShape shape, Payloads payloads, CancellationToken cancellationToken)
    {
        using var channel = RpcChannel.ForAddress(server.Address, new RpcChannelOptions
        {
            HttpHandler = LoadConnection.CreateHandler(),
            DisposeHttpHandler = true,
        });
        var client = new TestService.TestServiceClient(channel);
        var meter = new CostMeter(server);
        await meter.BeginAsync(cancellationToken);
        var outcome = mode == LoadMode.Unary
            ? await ClosedLoop.RunAsync(shape, recordLatency: true, (worker, token) => UnaryAsync(client, payloads, worker, token), meter, cancellationToken)
            : await ClosedLoop.RunAsync(shape, recordLatency: false, (worker, token) => StreamAsync(client, payloads, worker, token), meter, cancellationToken);
        return Measurement.From(outcome, meter.PerOperation(outcome.Completed));
    }

    private static async Task UnaryAsync(TestService.TestServiceClient client, Payloads payloads, LoadWorker worker, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var call = client.UnaryCallAsync(payloads.UnaryRequest, cancellationToken: cancellationToken);
        var response = await call;
        if (response.Payload.Body.Length != payloads.PayloadSize)
        {
            throw new InvalidOperationException($"Response payload of {response.Payload.Body.Length} bytes, expected {payloads.PayloadSize}.");
        }

        worker.CallCompleted(started);
    }

    private static async Task StreamAsync(TestService.TestServiceClient client, Payloads payloads, LoadWorker worker, CancellationToken cancellationToken)
    {
        using var call = client.StreamingOutputCall(payloads.StreamRequest, cancellationToken: cancellationToken);
        var received = 0;
        // The same token for the call and its reads, as application code passes it.
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (response.Payload.Body.Length != payloads.PayloadSize)
            {
                throw new InvalidOperationException($"Streamed payload of {response.Payload.Body.Length} bytes, expected {payloads.PayloadSize}.");
            }

            received++;
            worker.MessageReceived();
        }

        if (received != payloads.StreamMessages)
        {
            throw new InvalidOperationException($"The stream ended after {received} of {payloads.StreamMessages} messages.");
        }
    }
}
