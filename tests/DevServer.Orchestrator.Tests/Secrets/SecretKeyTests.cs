using System.Security.Cryptography;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Tests.Secrets;

/// <summary>Where the key comes from: the setting, else the data directory's key file, created once with mode 0600.</summary>
public sealed class SecretKeyTests : IDisposable
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TestDirectory _data = new();

    private string KeyFile => Path.Combine(_data.Path, "secret.key");

    [Fact]
    public void Resolve_NoKeyConfigured_CreatesTheKeyFileWithMode0600AndReusesIt()
    {
        var first = SecretKey.Resolve(new SecretsOptions(), _data.Path);
        var written = File.ReadAllText(KeyFile);
        var second = SecretKey.Resolve(new SecretsOptions(), _data.Path);

        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(KeyFile));
        Assert.True(SecretKey.TryParse(written, out var bytes));
        Assert.Equal(SecretKey.IdOf(bytes), first.Id);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(written, File.ReadAllText(KeyFile));
        Assert.Equal(KeyFile, first.Source);
        Assert.Empty(Directory.GetFiles(_data.Path, "*.tmp"));
    }

    [Fact]
    public void Resolve_DataDirectoryMissing_CreatedOwnerOnly()
    {
        var data = Path.Combine(_data.Path, "new");

        SecretKey.Resolve(new SecretsOptions(), data);

        Assert.Equal(OwnerReadWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        Assert.True(File.Exists(Path.Combine(data, "secret.key")));
    }

    [Fact]
    public void Resolve_KeyFileMadeReadableByOthers_KeptAndMadeOwnerOnlyAgain()
    {
        var created = SecretKey.Resolve(new SecretsOptions(), _data.Path);
        File.SetUnixFileMode(KeyFile, OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var again = SecretKey.Resolve(new SecretsOptions(), _data.Path);

        Assert.Equal(created.Id, again.Id);
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(KeyFile));
    }

    [Fact]
    public void Resolve_KeyConfigured_UsedAndNoFileWritten()
    {
        var bytes = RandomNumberGenerator.GetBytes(SecretKey.Size);

        var key = SecretKey.Resolve(new SecretsOptions { Key = Convert.ToBase64String(bytes) + "\n" }, _data.Path);

        Assert.Equal(SecretKey.IdOf(bytes), key.Id);
        Assert.Equal("Orchestrator:Secrets:Key", key.Source);
        Assert.False(File.Exists(KeyFile));
    }

    [Fact]
    public void Resolve_KeyFileDamaged_ThrowsAndLeavesItAlone()
    {
        File.WriteAllText(KeyFile, "not a key\n");

        var error = Assert.Throws<IOException>(() => SecretKey.Resolve(new SecretsOptions(), _data.Path));

        Assert.Contains(KeyFile, error.Message, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Secrets:Key", error.Message, StringComparison.Ordinal);
        Assert.Equal("not a key\n", File.ReadAllText(KeyFile));
    }

    [Fact]
    public async Task Resolve_SeveralInstancesAtOnce_OneKeyForAll()
    {
        var ct = TestContext.Current.CancellationToken;

        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => SecretKey.Resolve(new SecretsOptions(), _data.Path), ct)));

        Assert.Single(keys.Select(k => k.Id).Distinct());
        Assert.Equal(keys[0].Id, SecretKey.Resolve(new SecretsOptions(), _data.Path).Id);
        Assert.Empty(Directory.GetFiles(_data.Path, "*.tmp"));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("  ", true)]
    [InlineData("c2hvcnQ=", false)]
    [InlineData("not base64 at all", false)]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", false)]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", true)]
    public void Problems_Key_NoneWhenEmptyOrThirtyTwoBytesOfBase64(string key, bool valid)
    {
        Assert.Equal(valid, SecretsOptions.Problems(new SecretsOptions { Key = key }).Count == 0);
    }

    [Fact]
    public void Requirement_NeverRepeatsTheValue()
    {
        var error = Assert.Throws<OptionsValidationException>(() => SecretKey.Resolve(new SecretsOptions { Key = "c2hvcnQ=" }, _data.Path));

        Assert.DoesNotContain("c2hvcnQ=", error.Message, StringComparison.Ordinal);
        Assert.Contains("base64 of 32 bytes", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _data.Dispose();
}
