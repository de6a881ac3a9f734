using System.Security.Cryptography;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Tests.Secrets;

/// <summary>
/// The keyring of a rotation: <c>Key</c> encrypts, <c>PreviousKeys</c> only decrypt; every previous key must be a key,
/// neither the current one nor listed twice, and no message repeats a key.
/// </summary>
public sealed class SecretKeyringTests : IDisposable
{
    private readonly TestDirectory _data = new();

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretKey.Size));

    [Fact]
    public void Resolve_KeyAndPreviousKeys_CurrentEncryptsAndEachPreviousKeyIsFoundById()
    {
        var (current, first, second) = (NewKey(), NewKey(), NewKey());

        var keyring = SecretKeyring.Resolve(new SecretsOptions { Key = current, PreviousKeys = { first, "", second } }, _data.Path);

        Assert.Equal(IdOf(current), keyring.Current.Id);
        Assert.Equal([IdOf(first), IdOf(second)], keyring.Previous.Select(k => k.Id));
        Assert.Equal(["Orchestrator:Secrets:PreviousKeys:0", "Orchestrator:Secrets:PreviousKeys:2"], keyring.Previous.Select(k => k.Source));
        Assert.Same(keyring.Previous[1], keyring.Find(IdOf(second)));
        Assert.Null(keyring.Find("00000000"));
    }

    [Fact]
    public void Problems_PreviousKeyNotAKey_NamesItsIndexWithoutTheValue()
    {
        var options = new SecretsOptions { Key = NewKey(), PreviousKeys = { NewKey(), "c2hvcnQta2V5" } };

        var problem = Assert.Single(SecretsOptions.Problems(options));

        Assert.Equal("Orchestrator:Secrets: PreviousKeys:1 must be the base64 of 32 bytes (a key that Key replaced).", problem);
    }

    [Fact]
    public void Problems_CurrentKeyAlsoListed_Refused()
    {
        var current = NewKey();

        var problem = Assert.Single(SecretsOptions.Problems(new SecretsOptions { Key = current, PreviousKeys = { current + "\n" } }));

        Assert.Equal($"Orchestrator:Secrets: PreviousKeys:0 is the current key {IdOf(current)}: list only keys that Key replaced.", problem);
        Assert.DoesNotContain(current, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_PreviousKeyListedTwice_Refused()
    {
        var previous = NewKey();

        var problem = Assert.Single(SecretsOptions.Problems(new SecretsOptions { Key = NewKey(), PreviousKeys = { previous, NewKey(), previous } }));

        Assert.Equal($"Orchestrator:Secrets: PreviousKeys:2 is key {IdOf(previous)} again (PreviousKeys:0): list each key once.", problem);
    }

    [Fact]
    public void Problems_BadKeyAndBadPreviousKey_BothReported()
    {
        var problems = SecretsOptions.Problems(new SecretsOptions { Key = "c2hvcnQ=", PreviousKeys = { "not a key" } });

        Assert.Equal([SecretsOptions.Requirement, "Orchestrator:Secrets: PreviousKeys:0 must be the base64 of 32 bytes (a key that Key replaced)."], problems);
    }

    [Fact]
    public void Resolve_PreviousKeyIsTheKeyFilesKey_ThrowsNamingItWithoutTheValue()
    {
        var fileKey = SecretKey.Resolve(new SecretsOptions(), _data.Path);
        var text = File.ReadAllText(Path.Combine(_data.Path, SecretKey.FileName));

        var error = Assert.Throws<OptionsValidationException>(() => SecretKeyring.Resolve(new SecretsOptions { PreviousKeys = { text } }, _data.Path));

        Assert.Contains($"PreviousKeys:0 is the current key {fileKey.Id}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(text.Trim(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_InvalidPreviousKey_ThrowsBeforeAnyKeyFileIsWritten()
    {
        var error = Assert.Throws<OptionsValidationException>(() => SecretKeyring.Resolve(new SecretsOptions { PreviousKeys = { "c2hvcnQ=" } }, _data.Path));

        Assert.Contains("PreviousKeys:0 must be the base64 of 32 bytes", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2hvcnQ=", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_data.Path, SecretKey.FileName)));
    }

    private static string IdOf(string key) => SecretKey.TryParse(key, out var bytes) ? SecretKey.IdOf(bytes) : throw new ArgumentException("not a key", nameof(key));

    public void Dispose() => _data.Dispose();
}
