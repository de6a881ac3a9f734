using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Rpc.Client;
using Rpc.Health;
using Rpc.Server;

[assembly: AssemblyFixture(typeof(Rpc.Reflection.Tests.Infrastructure.ReflectionTestHost))]

namespace Rpc.Reflection.Tests.Infrastructure;

/// <summary>
/// One real Kestrel server on 127.0.0.1 (<see cref="LoopbackHost"/>, asked over h2c) for the whole test assembly:
/// reflection mapped first (it must still see what is mapped after it), then the Greeter test service, health, and
/// a service without a descriptor. Reflection keeps per-stream state only, so tests can share it.
/// </summary>
public sealed class ReflectionTestHost : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>The h2c endpoint, e.g. <c>http://127.0.0.1:50123</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>A channel of our own client to <see cref="Address"/>.</summary>
    public RpcChannel Channel { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = LoopbackHost.CreateBuilder(shutdownTimeout: TimeSpan.FromSeconds(5));
        builder.Services.AddRpc();
        builder.Services.AddRpcReflection();
        builder.Services.AddRpcHealthChecks();

        _app = builder.Build();
        _app.MapRpcReflectionService();
        _app.MapRpcService<GreeterService>();
        _app.MapRpcHealthService();
        _app.MapRpcService<UndescribedService>();
        Address = (await _app.StartOnLoopbackAsync(TestContext.Current.CancellationToken)).H2c;
        Channel = RpcChannel.ForAddress(Address);
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
