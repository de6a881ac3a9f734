using DevServer.Contracts.Mesh.V1;
using Rpc;

namespace DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;

/// <summary>
/// <c>MeshService.Connect</c> as the orchestrator serves it, backed by a <see cref="MeshDouble"/>: the token check, the
/// Hello/Welcome handshake, then one reader (recording) and one writer (the double's queue) until either side ends.
/// </summary>
internal sealed class MeshDoubleService(MeshDouble mesh) : MeshService.MeshServiceBase
{
    public override async Task Connect(
        IAsyncStreamReader<ConnectRequest> requestStream,
        IServerStreamWriter<ConnectResponse> responseStream,
        ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue("authorization") != "Bearer " + mesh.Token)
        {
            mesh.RecordRejected();
            throw new RpcException(new Status(StatusCode.Unauthenticated, "A valid worker token is required."));
        }

        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.Hello is not { } hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message must be a Hello."));
        }

        var connection = mesh.Open(hello);
        try
        {
            await responseStream.WriteAsync(new ConnectResponse { Welcome = mesh.CreateWelcome(hello) }, context.CancellationToken);
            using var reading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            var reader = ReadAsync(requestStream, connection, reading.Token);
            var writer = WriteAsync(responseStream, connection, context.CancellationToken);
            if (await Task.WhenAny(reader, writer) == reader)
            {
                // The worker closed its side (or failed): nothing more will be written.
                connection.Drop();
            }

            await writer;
            await reading.CancelAsync();
            await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            mesh.Close(connection);
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<ConnectRequest> requests, MeshDoubleConnection connection, CancellationToken cancellationToken)
    {
        if (mesh.StallReading)
        {
            // Until the call ends (the worker aborts it, or the server stops).
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        while (await requests.MoveNext(cancellationToken))
        {
            mesh.Receive(connection, requests.Current);
        }

        mesh.RecordClosedByWorker();
    }

    private static async Task WriteAsync(IServerStreamWriter<ConnectResponse> responses, MeshDoubleConnection connection, CancellationToken cancellationToken)
    {
        await foreach (var response in connection.Outgoing.ReadAllAsync(cancellationToken))
        {
            await responses.WriteAsync(response, cancellationToken);
        }
    }
}
