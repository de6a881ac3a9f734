namespace Rpc.Client.Tests;

/// <summary>Channels on the shared server, disposed after each test.</summary>
public abstract class ClientTestBase(GrpcTestServer server) : IDisposable
{
    private readonly List<RpcChannel> _channels = [];

    protected GrpcTestServer Server { get; } = server;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    protected CallInvoker Invoker(RpcChannelOptions? options = null) => Channel(Server.H2cAddress, options).CreateCallInvoker();

    protected RpcChannel Channel(Uri address, RpcChannelOptions? options = null)
    {
        var channel = RpcChannel.ForAddress(address, options);
        _channels.Add(channel);
        return channel;
    }

    /// <summary>A task that completes with the value, or fails the test after a few seconds instead of hanging.</summary>
    protected static async Task<T> Within<T>(Task<T> task, int seconds = 5) => await task.WaitAsync(TimeSpan.FromSeconds(seconds), Ct);

    /// <summary>A task that completes, or fails the test after a few seconds instead of hanging.</summary>
    protected static async Task Within(Task task, int seconds = 5) => await task.WaitAsync(TimeSpan.FromSeconds(seconds), Ct);
}
