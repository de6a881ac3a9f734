using System.Collections.Concurrent;
using System.Text;
using DevServer.Delivery.Git;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DevServer.Delivery.Tests.Git;

/// <summary>A canary token goes in; it must come out only as the Authorization header git sends, nowhere else.</summary>
public sealed class CredentialTests
{
    private const string Canary = "canary-token-7f3a9c1e5b2d4f60";

    [Fact]
    public async Task PushBranch_HttpForgeRefuses_HeaderSentTokenNeverInOutputLogsOrDisk()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", new Dictionary<string, string> { ["a.txt"] = "a\n" });
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["b.txt"] = "b\n" });
        var received = new ConcurrentQueue<string>();
        await using var app = LoopbackHost.CreateBuilder(TimeSpan.FromSeconds(1)).Build();
        app.Run(async context =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            received.Enqueue(authorization);
            if (!context.Request.Path.StartsWithSegments("/echo") && authorization.StartsWith("Basic ", StringComparison.Ordinal))
            {
                // A hostile redirect that puts the password into the URL, which git then prints in its error.
                var password = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..])).Split(':', 2)[1];
                context.Response.Redirect($"/echo/{password}/acme/app.git/info/refs{context.Request.QueryString}");
                return;
            }

            // A careless server that echoes what it was sent: the scrubbing must still hold.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"forge\"";
            await context.Response.WriteAsync($"denied for {context.Request.Headers.Authorization} {Canary}", context.RequestAborted);
        });
        var addresses = await app.StartOnLoopbackAsync(fixture.Token);
        var repository = new DeliveryRepository("acme/app", new Uri(addresses.Http1, "/acme/app.git").AbsoluteUri, "main")
        {
            Credentials = GitCredentials.Gitea(Canary),
        };

        var outcome = await fixture.Delivery.PushBranchAsync(repository, series, baseCommit, "agent/5-canary", fixture.Token);

        Assert.Equal(GitDeliveryStatus.Failed, outcome.Status);
        Assert.False(outcome.Retryable);
        Assert.Contains($"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"oauth2:{Canary}"))}", received);
        Assert.Contains("/echo/***/", fixture.Log.AllText, StringComparison.Ordinal);
        AssertNoCanary(fixture, outcome.ToString(), repository.ToString(), repository.Credentials!.ToString());
    }

    [Fact]
    public async Task PushBranch_WithCredentials_TokenNeverInLogsConfigOrRemote()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", new Dictionary<string, string> { ["a.txt"] = "a\n" });
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["b.txt"] = "b\n" });
        var repository = DeliveryFixture.Remote(bare) with { Credentials = GitCredentials.GitHub(Canary) };

        var pushed = await fixture.Delivery.PushBranchAsync(repository, series, baseCommit, "agent/6-canary", fixture.Token);
        var committed = await fixture.Delivery.CommitDirectAsync(repository, series, baseCommit, "[task 6] canary\n", fixture.Token);

        Assert.Equal(GitDeliveryStatus.Delivered, pushed.Status);
        Assert.Equal(GitDeliveryStatus.Delivered, committed.Status);
        AssertNoCanary(fixture, pushed.ToString(), committed.ToString());
        foreach (var file in Directory.EnumerateFiles(bare, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(Canary, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file, fixture.Token)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DeliveryRepository_UrlWithCredentials_RefusedWithoutRepeatingThem()
    {
        var repository = new DeliveryRepository("acme/app", $"https://x-access-token:{Canary}@forge.example/acme/app.git", "main");
        using var fixture = new DeliveryFixture();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Delivery.PushBranchAsync(repository, "x"u8.ToArray(), new string('a', 40), "agent/1-x", fixture.Token));

        Assert.DoesNotContain(Canary, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ssh://git@forge.example/acme/app.git")]
    [InlineData("git@forge.example:acme/app.git")]
    [InlineData("https://forge.example/acme/app.git")]
    public async Task DeliveryRepository_UrlWithoutSecret_Accepted(string location)
    {
        using var fixture = new DeliveryFixture();

        // Accepted: the call gets as far as the network (which fails here, as an outcome, not an argument error).
        var outcome = await fixture.Delivery.ExportPatchesAsync(
            new DeliveryRepository("acme/app", location.Replace("forge.example", "forge.invalid", StringComparison.Ordinal), "main"),
            "x"u8.ToArray(),
            new string('a', 40),
            fixture.Token);

        Assert.Equal(GitDeliveryStatus.Failed, outcome.Outcome.Status);
    }

    [Fact]
    public void GitRunner_Scrub_RemovesTokenAndItsBasicForm()
    {
        var credentials = GitCredentials.Gitea(Canary);

        var scrubbed = GitRunner.Scrub($"a {Canary} b {credentials.BasicValue} c", credentials);

        Assert.Equal("a *** b *** c", scrubbed);
    }

    private static void AssertNoCanary(DeliveryFixture fixture, params string[] texts)
    {
        foreach (var text in texts.Append(fixture.Log.AllText))
        {
            Assert.DoesNotContain(Canary, text, StringComparison.Ordinal);
        }

        Assert.NotEmpty(fixture.Log.Lines);
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"oauth2:{Canary}"));
        foreach (var file in Directory.EnumerateFiles(fixture.Sandbox.DeliveryRoot, "*", SearchOption.AllDirectories))
        {
            var content = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            Assert.DoesNotContain(Canary, content, StringComparison.Ordinal);
            Assert.DoesNotContain(basic, content, StringComparison.Ordinal);
        }
    }
}
