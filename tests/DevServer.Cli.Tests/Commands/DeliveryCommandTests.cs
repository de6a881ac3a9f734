using System.Text;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using Google.Protobuf;

namespace DevServer.Cli.Tests.Commands;

/// <summary>The delivery options of task create, repo add/update and task patch, against a scripted peer.</summary>
public sealed class DeliveryCommandTests : ScriptedOrchestratorTest
{
    [Theory]
    [InlineData("pr", DeliveryFlow.PullRequest)]
    [InlineData("commit", DeliveryFlow.DirectCommit)]
    [InlineData("patch", DeliveryFlow.Patch)]
    public async Task TaskCreate_Deliver_SendsTheFlow(string word, DeliveryFlow expected)
    {
        var result = await RunAsync("task", "create", "--repo", "demo", "--title", "Ship it", "--deliver", word);

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<CreateTaskRequest>(Assert.Single(Server.State.Received));
        Assert.Equal(expected, request.DeliveryFlow);
    }

    [Fact]
    public async Task TaskCreate_UnknownDeliver_UsageErrorAndNothingSent()
    {
        var result = await RunAsync("task", "create", "--repo", "demo", "--title", "Ship it", "--deliver", "email");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--deliver must be 'pr', 'commit' or 'patch', not 'email'", result.Error, StringComparison.Ordinal);
        Assert.Empty(Server.State.Received);
    }

    [Fact]
    public async Task RepoAdd_DeliveryOptionsAndTokenFile_SentWithoutPrintingTheToken()
    {
        const string token = "canary-cli-token-5c2a";
        var tokenFile = Path.Combine(Data, "forge.token");
        await File.WriteAllTextAsync(tokenFile, token + "\n", TestContext.Current.CancellationToken);

        var result = await RunAsync(
            "repo", "add", "app", "https://git.example.com/acme/app.git", "--deliver", "pr", "--forge", "forgejo",
            "--forge-url", "https://git.example.com", "--forge-repo", "acme/app", "--forge-token-file", tokenFile,
            "--deny-path", "deploy/**", "--deny-path", "*.pem", "--allow-path", "src/**", "--allowed-author", "agent@example.com");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<AddRepositoryRequest>(Assert.Single(Server.State.Received));
        Assert.Equal(token, request.ForgeToken);
        Assert.Equal(DeliveryFlow.PullRequest, request.Delivery.DefaultFlow);
        Assert.Equal(ForgeKind.Gitea, request.Delivery.Forge);
        Assert.Equal("https://git.example.com", request.Delivery.ForgeApiUrl);
        Assert.Equal("acme/app", request.Delivery.ForgeRepository);
        Assert.Equal(["deploy/**", "*.pem"], request.Delivery.Preflight.DenyPaths);
        Assert.Equal(["src/**"], request.Delivery.Preflight.AllowPaths);
        Assert.Equal(["agent@example.com"], request.Delivery.Preflight.AllowedAuthorEmails);
        Assert.DoesNotContain(token, result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepoUpdate_OneDeliveryOption_KeepsTheOtherSettings()
    {
        var current = new Repository { Id = 3, Name = "app", Delivery = new DeliverySettings { DefaultFlow = DeliveryFlow.PullRequest, Forge = ForgeKind.Github, HasForgeToken = true, Preflight = new PreflightSettings() } };
        current.Delivery.Preflight.DenyPaths.Add("deploy/**");
        Server.State.Repositories = new ListRepositoriesResponse { Repositories = { current } };

        var result = await RunAsync("repo", "update", "app", "--deliver", "commit");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<UpdateRepositoryRequest>(Assert.Single(Server.State.Received));
        Assert.Equal(DeliveryFlow.DirectCommit, request.Delivery.DefaultFlow);
        Assert.Equal(ForgeKind.Github, request.Delivery.Forge);
        Assert.Equal(["deploy/**"], request.Delivery.Preflight.DenyPaths);
        Assert.False(request.HasForgeToken);
    }

    [Fact]
    public async Task RepoAdd_AllowLockFilesAndSizeLimits_Sent()
    {
        var result = await RunAsync(
            "repo", "add", "app", "https://git.example.com/acme/app.git", "--allow-lock-files", "--max-diff-bytes", "200000", "--max-files", "12");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<AddRepositoryRequest>(Assert.Single(Server.State.Received));
        Assert.True(request.Delivery.Preflight.AllowLockFiles);
        Assert.Equal(200_000, request.Delivery.Preflight.MaxDiffBytes);
        Assert.Equal(12, request.Delivery.Preflight.MaxFiles);
    }

    [Fact]
    public async Task RepoAdd_WithoutAllowLockFiles_SendsFalse()
    {
        var result = await RunAsync("repo", "add", "app", "https://git.example.com/acme/app.git", "--deliver", "commit");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<AddRepositoryRequest>(Assert.Single(Server.State.Received));
        Assert.False(request.Delivery.Preflight.AllowLockFiles);
        Assert.Equal(0, request.Delivery.Preflight.MaxDiffBytes);
    }

    [Theory]
    [InlineData("--allow-lock-files=false", false)]
    [InlineData("--allow-lock-files", true)]
    public async Task RepoUpdate_AllowLockFiles_SentAndTheOtherSettingsKept(string option, bool expected)
    {
        var current = new Repository
        {
            Id = 3, Name = "app",
            Delivery = new DeliverySettings { DefaultFlow = DeliveryFlow.DirectCommit, Preflight = new PreflightSettings { AllowLockFiles = !expected, MaxDiffBytes = 4096 } },
        };
        current.Delivery.Preflight.DenyPaths.Add("deploy/**");
        Server.State.Repositories = new ListRepositoriesResponse { Repositories = { current } };

        var result = await RunAsync("repo", "update", "app", option);

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<UpdateRepositoryRequest>(Assert.Single(Server.State.Received));
        Assert.Equal(expected, request.Delivery.Preflight.AllowLockFiles);
        Assert.Equal(4096, request.Delivery.Preflight.MaxDiffBytes);
        Assert.Equal(DeliveryFlow.DirectCommit, request.Delivery.DefaultFlow);
        Assert.Equal(["deploy/**"], request.Delivery.Preflight.DenyPaths);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("5MiB")]
    public async Task RepoUpdate_BadMaxDiffBytes_UsageErrorAndNothingSent(string value)
    {
        var result = await RunAsync("repo", "update", "app", "--max-diff-bytes", value);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--max-diff-bytes must be a whole number of bytes", result.Error, StringComparison.Ordinal);
        Assert.Empty(Server.State.Received);
    }

    [Fact]
    public async Task TaskPatch_Stat_PrintsTheDiffStatistics()
    {
        var statistics = new DiffStatistics { FilesChanged = 2, Insertions = 5, Deletions = 1 };
        statistics.Files.Add(new FileStatistics { Path = "calc.py", Insertions = 4, Deletions = 1 });
        statistics.Files.Add(new FileStatistics { Path = "logo.png", Binary = true });
        Server.State.Patch = new GetTaskPatchResponse
        {
            Attempt = 1, BaseCommit = "0123456789abcdef", CommitCount = 1, Verified = true,
            PatchSeries = ByteString.CopyFrom(Encoding.UTF8.GetBytes("From x\n")), Statistics = statistics,
        };

        var result = await RunAsync("task", "patch", "7", "--stat");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(" calc.py  | +4 -1\n logo.png | Bin\n 2 files changed, 5 insertions(+), 1 deletions(-)\n", result.Out);
    }
}
