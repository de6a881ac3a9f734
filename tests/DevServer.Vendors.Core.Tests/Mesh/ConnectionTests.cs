using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;

namespace DevServer.Vendors.Core.Tests.Mesh;

/// <summary>Registration: the Hello, the token, heartbeats and how the worker keeps trying until it is let in.</summary>
public sealed class ConnectionTests
{
    private const int TimeoutMs = 30_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task Connect_ValidToken_SendsHelloWithSettingsThenHeartbeats()
    {
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, new HandlerScript(), settings =>
        {
            settings["Worker:Capacity"] = "3";
            settings["Worker:Models:0"] = "small";
            settings["Worker:Models:1"] = "large";
        });

        await mesh.WaitUntilAsync(m => m.Heartbeats >= 3, "three heartbeats");

        var hello = Assert.Single(mesh.Hellos);
        Assert.True(Guid.TryParse(hello.WorkerId, out _), hello.WorkerId);
        Assert.Equal("test-worker", hello.Name);
        Assert.Equal(WorkerKind.Vendor, hello.Kind);
        Assert.Equal("test", hello.Vendor);
        Assert.Equal(["small", "large"], hello.Models);
        Assert.Equal(3, hello.Capacity);
        Assert.Empty(hello.ActiveAssignmentIds);
        Assert.False(string.IsNullOrEmpty(hello.Version));
        Assert.All(mesh.Arrivals.Where(a => a.Message.Heartbeat is not null), a => Assert.Equal(0, a.Message.Heartbeat.Active));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Connect_TokenFileMissingThenWrongThenRight_KeepsRetryingUntilAccepted()
    {
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        var directory = Directory.CreateTempSubdirectory("devserver-token-");
        try
        {
            var tokenFile = Path.Combine(directory.FullName, "worker.token");
            await using var worker = await WorkerUnderTest.StartAsync(server.Address, new HandlerScript(), settings =>
            {
                settings["Worker:Token"] = null;
                settings["Worker:TokenFile"] = tokenFile;
            });

            // Without a token the worker does not even call; give it a few back-off rounds to prove it.
            await Task.Delay(TimeSpan.FromMilliseconds(400), TestContext.Current.CancellationToken);
            Assert.Equal(0, mesh.Rejected);
            Assert.Empty(mesh.Hellos);

            await File.WriteAllTextAsync(tokenFile, "wrong-token\n", TestContext.Current.CancellationToken);
            await mesh.WaitUntilAsync(m => m.Rejected >= 2, "two refused attempts with the wrong token");
            Assert.Empty(mesh.Hellos);

            await File.WriteAllTextAsync(tokenFile, mesh.Token + "\n", TestContext.Current.CancellationToken);
            await mesh.WaitUntilAsync(m => m.Hellos.Count == 1, "the Hello once the right token is in the file");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Connect_OrchestratorNotYetListening_ConnectsOnceItIs()
    {
        // Take a free port, then let it go, so the worker starts against nothing.
        var mesh = new MeshDouble();
        var probe = await MeshDoubleServer.StartAsync(mesh);
        var address = probe.Address;
        await probe.StopAsync();

        await using var worker = await WorkerUnderTest.StartAsync(address, new HandlerScript());
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
        await using var server = await MeshDoubleServer.StartAsync(mesh, address.Port);

        await mesh.WaitUntilAsync(m => m.Hellos.Count == 1, "the Hello after the orchestrator came up");
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Stop_Connected_ClosesItsRequestStream()
    {
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        var worker = await WorkerUnderTest.StartAsync(server.Address, new HandlerScript());
        // Connected means welcomed: a heartbeat comes only after the Welcome. (Stopped while the handshake is still
        // waiting for the Welcome, the worker aborts the call instead, which a loaded machine made this test see.)
        await mesh.WaitUntilAsync(m => m.Hellos.Count == 1 && m.Heartbeats > 0, "the Hello and a heartbeat");

        await worker.DisposeAsync();

        await mesh.WaitUntilAsync(m => m.ClosedByWorker == 1, "the worker's half-close");
        Assert.Single(mesh.Hellos);
    }
}
