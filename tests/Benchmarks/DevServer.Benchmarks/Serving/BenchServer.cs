using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Rpc.Server;

namespace DevServer.Benchmarks.Serving;

/// <summary>
/// The server side of the .NET contenders, run as a child process of the benchmark
/// (<c>--serve=ours|raw|raw-protobuf --port=0</c>). Prints <c>listening on &lt;port&gt;</c> once it accepts calls; stops when the
/// benchmark closes its stdin (so it never outlives the benchmark), on SIGTERM, or after <c>--max-seconds</c>.
/// </summary>
internal static class BenchServer
{
    public static async Task<int> RunAsync(Contender role, BenchFlags flags, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        long connections = 0;
        ListenOptions? bound = null;
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, flags.Port, listen =>
        {
            // h2c with prior knowledge, as gRPC clients speak to a cleartext port.
            listen.Protocols = HttpProtocols.Http2;
            listen.Use(next => connection =>
            {
                Interlocked.Increment(ref connections);
                return next(connection);
            });
            bound = listen;
        }));

        if (role == Contender.Ours)
        {
            builder.Services.AddRpc();
        }
        else
        {
            builder.Services.AddRouting();
        }

        await using var app = builder.Build();
        if (role == Contender.Ours)
        {
            app.MapRpcService<BenchTestService>();
        }
        else
        {
            app.MapRawEndpoints(new Payloads(flags.Shape.Payload, flags.Shape.StreamMessages), protobuf: role == Contender.RawProtobuf);
        }

        app.MapGet(ServerStats.Path, () => ServerStats.Sample(Interlocked.Read(ref connections)).Format());

        await app.StartAsync(cancellationToken);
        var port = bound?.IPEndPoint?.Port ?? throw new InvalidOperationException("Kestrel did not bind the endpoint.");
        await Console.Out.WriteLineAsync($"listening on {port}");
        await Console.Out.FlushAsync(cancellationToken);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        stop.CancelAfter(flags.MaxRunTime);
        try
        {
            // The benchmark holds our stdin open for as long as it needs us; end of input means it is gone. Console
            // reads block a thread whatever the API says, hence the pool thread and the cancellable wait on it.
            await Task.Run(() => Console.In.ReadToEnd(), CancellationToken.None).WaitAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM, Ctrl+C or the maximum run time.
        }

        await app.StopAsync(CancellationToken.None);
        return 0;
    }
}
