using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

/// <summary>A sandbox, a delivery over it, and the log it writes.</summary>
internal sealed class DeliveryFixture : IDisposable
{
    // Every git run and forge call in a test ends within this, so a hang fails the test instead of the run.
    private readonly CancellationTokenSource _timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

    public DeliveryFixture()
    {
        _timeout.CancelAfter(TimeSpan.FromMinutes(2));
        Sandbox = GitSandbox.Create();
        Log = new CapturingLogger<GitDelivery>();
        Delivery = new GitDelivery(new GitDeliveryOptions(Sandbox.DeliveryRoot) { CommitterName = "DevServer", CommitterEmail = "devserver@example.com" }, Log);
    }

    public GitSandbox Sandbox { get; }

    public CapturingLogger<GitDelivery> Log { get; }

    public GitDelivery Delivery { get; }

    public CancellationToken Token => _timeout.Token;

    public static DeliveryRepository Remote(string bare) => new("acme/app", bare, "main");

    public void Dispose()
    {
        _timeout.Dispose();
        Sandbox.Dispose();
    }

    public static Task<string> Git(string directory, params string[] arguments) => GitSandbox.GitAsync(directory, arguments);
}
