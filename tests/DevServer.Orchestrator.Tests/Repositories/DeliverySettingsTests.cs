using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tests.Tasks;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Tests.Repositories;

/// <summary>
/// Delivery settings through the API: the repository's forge, flow and preflight rules, the write-only forge token, and
/// the task's flow. Bad values are refused with INVALID_ARGUMENT and store nothing.
/// </summary>
public sealed class DeliverySettingsTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;
    private const string Token = "canary-0b6e2d41-forge-token";

    private RepositoryService.RepositoryServiceClient Repositories => orchestrator.Repositories;

    [Fact(Timeout = TimeoutMs)]
    public async Task AddRepository_DeliverySettings_StoredAndReturnedWithoutTheToken()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new DeliverySettings
        {
            DefaultFlow = DeliveryFlow.PullRequest,
            Forge = ForgeKind.Github,
            ForgeApiUrl = "https://github.example.com/api/v3",
            ForgeRepository = "acme/app",
            Preflight = new PreflightSettings { MaxDiffBytes = 100_000, MaxFiles = 20 },
        };
        settings.Preflight.DenyPaths.Add("deploy/**");
        settings.Preflight.AllowPaths.Add("src/**");
        settings.Preflight.AllowedAuthorEmails.Add("agent@example.com");

        var added = await orchestrator.AddRepositoryAsync(ct, r => { r.Delivery = settings; r.ForgeToken = Token; });

        var expected = settings.Clone();
        expected.HasForgeToken = true;
        Assert.Equal(expected, added.Delivery);
        var got = await Repositories.GetRepositoryAsync(new GetRepositoryRequest { Repository = added.Name }, cancellationToken: ct);
        var listed = await Repositories.ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: ct);
        Assert.Equal(expected, got.Repository.Delivery);
        Assert.DoesNotContain(Token, got.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, listed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, orchestrator.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AllowLockFiles_OffByDefault_StoredAndReturnedWhenSetAndCleared()
    {
        var ct = TestContext.Current.CancellationToken;
        var added = await orchestrator.AddRepositoryAsync(ct);
        var allowing = new DeliverySettings { Preflight = new PreflightSettings { AllowLockFiles = true, MaxFiles = 7 } };

        var allowed = await Repositories.UpdateRepositoryAsync(
            new UpdateRepositoryRequest { Repository = added.Name, Delivery = allowing }, cancellationToken: ct);
        var got = await Repositories.GetRepositoryAsync(new GetRepositoryRequest { Repository = added.Name }, cancellationToken: ct);
        var listed = await Repositories.ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: ct);
        var unrelated = await Repositories.UpdateRepositoryAsync(new UpdateRepositoryRequest { Repository = added.Name, MaxAttempts = 3 }, cancellationToken: ct);
        allowing.Preflight.AllowLockFiles = false;
        var cleared = await Repositories.UpdateRepositoryAsync(
            new UpdateRepositoryRequest { Repository = added.Name, Delivery = allowing }, cancellationToken: ct);
        var addedAllowing = await orchestrator.AddRepositoryAsync(
            ct, r => r.Delivery = new DeliverySettings { Preflight = new PreflightSettings { AllowLockFiles = true } });

        Assert.False(added.Delivery.Preflight.AllowLockFiles);
        Assert.True(allowed.Repository.Delivery.Preflight.AllowLockFiles);
        Assert.Equal(7, allowed.Repository.Delivery.Preflight.MaxFiles);
        Assert.True(got.Repository.Delivery.Preflight.AllowLockFiles);
        Assert.True(Assert.Single(listed.Repositories, r => r.Name == added.Name).Delivery.Preflight.AllowLockFiles);
        // An update without delivery settings keeps them.
        Assert.True(unrelated.Repository.Delivery.Preflight.AllowLockFiles);
        Assert.False(cleared.Repository.Delivery.Preflight.AllowLockFiles);
        Assert.True(addedAllowing.Delivery.Preflight.AllowLockFiles);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateRepository_ForgeToken_UnsetKeepsEmptyClears()
    {
        var ct = TestContext.Current.CancellationToken;
        var added = await orchestrator.AddRepositoryAsync(ct, r => r.ForgeToken = Token);
        Assert.True(added.Delivery.HasForgeToken);

        var kept = await Repositories.UpdateRepositoryAsync(new UpdateRepositoryRequest { Repository = added.Name, MaxAttempts = 3 }, cancellationToken: ct);
        var cleared = await Repositories.UpdateRepositoryAsync(new UpdateRepositoryRequest { Repository = added.Name, ForgeToken = "" }, cancellationToken: ct);

        Assert.True(kept.Repository.Delivery.HasForgeToken);
        Assert.False(cleared.Repository.Delivery.HasForgeToken);
        // Without a token in the request, none is stored.
        Assert.False((await orchestrator.AddRepositoryAsync(ct)).Delivery.HasForgeToken);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AddAndUpdateRepository_ForgeToken_StoredEncryptedWithTheKeyOfTheDataDirectory()
    {
        var ct = TestContext.Current.CancellationToken;
        var added = await orchestrator.AddRepositoryAsync(ct, r => r.ForgeToken = Token);
        var onAdd = await ReadStoredTokenAsync(added.Name, ct);
        await Repositories.UpdateRepositoryAsync(new UpdateRepositoryRequest { Repository = added.Name, ForgeToken = Token + "-new" }, cancellationToken: ct);
        var onUpdate = await ReadStoredTokenAsync(added.Name, ct);

        // The key the orchestrator created on its first start, owner-only, beside the token files.
        var keyFile = Path.Combine(orchestrator.DataDirectory, SecretKey.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.True(SecretKey.TryParse(await File.ReadAllTextAsync(keyFile, ct), out var key));
        var protector = new SecretProtector(SecretKey.FromBytes(key, keyFile));
        foreach (var stored in new[] { onAdd, onUpdate })
        {
            Assert.StartsWith($"enc:v2:{protector.Key.Id}:", stored, StringComparison.Ordinal);
            Assert.DoesNotContain(Token, stored, StringComparison.Ordinal);
        }

        Assert.Equal(Token, protector.Unprotect(onAdd, SecretProtector.ForgeToken(added.Id)));
        Assert.Equal(Token + "-new", protector.Unprotect(onUpdate, SecretProtector.ForgeToken(added.Id)));
        // Bound to the repository's row, the id included on add (drawn before the row was inserted).
        Assert.Throws<SecretUnreadableException>(() => protector.Unprotect(onAdd, SecretProtector.ForgeToken(added.Id + 1)));
        Assert.Throws<SecretUnreadableException>(() => protector.Unprotect(onUpdate, SecretProtector.ForgeToken(added.Id + 1)));
        Assert.DoesNotContain(Token, orchestrator.Output, StringComparison.Ordinal);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("deny", "")]
    [InlineData("deny", "   ")]
    [InlineData("deny", "**")]
    [InlineData("deny", "../outside/**")]
    [InlineData("allow", "src\\windows")]
    [InlineData("allow", "src/\u0001")]
    [InlineData("email", "not-an-address")]
    [InlineData("forge_url", "ftp://forge.example.com")]
    [InlineData("forge_url", "https://user:secret@forge.example.com")]
    [InlineData("forge_repository", "acme")]
    [InlineData("forge_repository", "acme/app/extra")]
    public async Task AddRepository_BadDeliverySetting_InvalidArgumentAndNothingStored(string field, string value)
    {
        var ct = TestContext.Current.CancellationToken;
        var name = orchestrator.UniqueName("bad-delivery");
        var settings = new DeliverySettings { Preflight = new PreflightSettings() };
        switch (field)
        {
            case "deny": settings.Preflight.DenyPaths.Add(value); break;
            case "allow": settings.Preflight.AllowPaths.Add(value); break;
            case "email": settings.Preflight.AllowedAuthorEmails.Add(value); break;
            case "forge_url": settings.ForgeApiUrl = value; break;
            default: settings.ForgeRepository = value; break;
        }

        var error = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Repositories.AddRepositoryAsync(
            new AddRepositoryRequest { Name = name, Location = "/srv/git/x", Delivery = settings }, cancellationToken: ct));

        Assert.Contains("delivery.", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Status.Detail, StringComparison.Ordinal);
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Repositories.GetRepositoryAsync(
            new GetRepositoryRequest { Repository = name }, cancellationToken: ct));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("has space")]
    [InlineData("line\nbreak")]
    public async Task AddRepository_BadForgeToken_InvalidArgumentWithoutEchoingIt(string token)
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Repositories.AddRepositoryAsync(
            new AddRepositoryRequest { Name = orchestrator.UniqueName("bad-token"), Location = "/srv/git/x", ForgeToken = token }, cancellationToken: ct));

        Assert.Contains("forge_token", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AddRepository_UnknownFlowOrForge_InvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Repositories.AddRepositoryAsync(
            new AddRepositoryRequest { Name = orchestrator.UniqueName("flow"), Location = "/srv/git/x", Delivery = new DeliverySettings { DefaultFlow = (DeliveryFlow)42 } },
            cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Repositories.AddRepositoryAsync(
            new AddRepositoryRequest { Name = orchestrator.UniqueName("forge"), Location = "/srv/git/x", Delivery = new DeliverySettings { Forge = (ForgeKind)9 } },
            cancellationToken: ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateAndUpdateTask_DeliveryFlow_StoredAndBadValuesRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var tasks = orchestrator.Tasks;

        var created = (await tasks.CreateTaskAsync(
            new CreateTaskRequest { Repository = repository.Name, Title = "Deliver as a commit", DeliveryFlow = DeliveryFlow.DirectCommit }, cancellationToken: ct)).Task;
        var updated = (await tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = created.Id, DeliveryFlow = DeliveryFlow.Patch }, cancellationToken: ct)).Task;
        var unset = (await tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = created.Id, DeliveryFlow = DeliveryFlow.Unspecified }, cancellationToken: ct)).Task;

        Assert.Equal(DeliveryFlow.DirectCommit, created.DeliveryFlow);
        Assert.Null(created.Delivery);
        Assert.Equal(DeliveryFlow.Patch, updated.DeliveryFlow);
        Assert.Equal(DeliveryFlow.Unspecified, unset.DeliveryFlow);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await tasks.CreateTaskAsync(
            new CreateTaskRequest { Repository = repository.Name, Title = "Bad flow", DeliveryFlow = (DeliveryFlow)7 }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await tasks.UpdateTaskAsync(
            new UpdateTaskRequest { Id = created.Id, DeliveryFlow = (DeliveryFlow)7 }, cancellationToken: ct));
    }

    /// <summary>The repository's forge_token column as stored, read straight from the orchestrator's database.</summary>
    private async Task<string> ReadStoredTokenAsync(string repository, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [DatabaseOptions.DataDirectoryKey] = orchestrator.DataDirectory })
            .Build();
        await using var dataSource = NpgsqlDataSource.Create(DatabaseSettings.FromConfiguration(configuration).ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT forge_token FROM repositories WHERE name = @name");
        command.Parameters.AddWithValue("name", repository);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
