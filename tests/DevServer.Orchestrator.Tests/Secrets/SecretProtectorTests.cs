using System.Security.Cryptography;
using System.Text;
using DevServer.Orchestrator.Secrets;

namespace DevServer.Orchestrator.Tests.Secrets;

/// <summary>The stored form of a secret: AES-256-GCM under the key, named by its id, bound to its use.</summary>
public sealed class SecretProtectorTests
{
    private const string Token = "canary-3f9a1c7e-forge-token";

    private readonly SecretKey _key = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "test");

    private SecretProtector Protector => new(_key);

    [Fact]
    public void Protect_AToken_StoredWithVersionAndKeyIdAndReadBack()
    {
        var stored = Protector.Protect(Token, SecretProtector.ForgeToken);

        Assert.StartsWith($"enc:v1:{_key.Id}:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, stored, StringComparison.Ordinal);
        // Nonce (12) + ciphertext (as long as the token) + tag (16), in base64.
        Assert.Equal(12 + Token.Length + 16, Convert.FromBase64String(stored.Split(':')[3]).Length);
        Assert.Equal(Token, Protector.Unprotect(stored, SecretProtector.ForgeToken));
    }

    [Fact]
    public void Protect_SameTokenTwice_DifferentNonceAndCiphertext()
    {
        var first = Protector.Protect(Token, SecretProtector.ForgeToken);
        var second = Protector.Protect(Token, SecretProtector.ForgeToken);

        Assert.NotEqual(first, second);
        Assert.NotEqual(Convert.FromBase64String(first.Split(':')[3])[..12], Convert.FromBase64String(second.Split(':')[3])[..12]);
    }

    [Fact]
    public void KeyId_FirstEightHexDigitsOfTheKeysSha256()
    {
        var bytes = RandomNumberGenerator.GetBytes(SecretKey.Size);

        var key = SecretKey.FromBytes(bytes, "test");

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes))[..8], key.Id);
        Assert.Matches("^[0-9a-f]{8}$", key.Id);
    }

    [Fact]
    public void Unprotect_ValueWithoutThePrefix_ReturnedUnchanged()
    {
        // A token stored before encryption existed (until the start-up encrypts it).
        Assert.Equal(Token, Protector.Unprotect(Token, SecretProtector.ForgeToken));
    }

    [Fact]
    public void Unprotect_EncryptedWithAnotherKey_ThrowsNamingTheKeyNeededAndTheSettingWithoutTheValue()
    {
        var other = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "other");
        var stored = new SecretProtector(other).Protect(Token, SecretProtector.ForgeToken);

        var error = Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(stored, SecretProtector.ForgeToken));

        Assert.Equal(other.Id, error.NeededKeyId);
        Assert.Contains($"encrypted with key {other.Id}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"this orchestrator's key is {_key.Id}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Secrets:Key", error.Message, StringComparison.Ordinal);
        Assert.Contains("Orchestrator__Secrets__Key", error.Message, StringComparison.Ordinal);
        Assert.Contains("store the secret again", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.Split(':')[3], error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    [InlineData(-1)]
    public void Unprotect_AByteChanged_ThrowsInsteadOfReturningAnotherValue(int index)
    {
        var stored = Protector.Protect(Token, SecretProtector.ForgeToken);
        var parts = stored.Split(':');
        var payload = Convert.FromBase64String(parts[3]);
        // The nonce, the ciphertext, the tag.
        payload[index < 0 ? payload.Length - 1 : index] ^= 0x01;
        var tampered = string.Join(':', parts[0], parts[1], parts[2], Convert.ToBase64String(payload));

        var error = Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(tampered, SecretProtector.ForgeToken));

        Assert.Null(error.NeededKeyId);
        Assert.Contains("store the secret again", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_CiphertextMovedToAnotherUse_Throws()
    {
        var stored = Protector.Protect(Token, SecretProtector.ForgeToken);

        Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(stored, "settings.webhook_secret"));
    }

    [Theory]
    [InlineData("enc:v2:00000000:AAAA")]
    [InlineData("enc:v1:abc")]
    [InlineData("enc:v1:{id}:not base64!")]
    [InlineData("enc:v1:{id}:AAAA")]
    [InlineData("enc:v1:ABCDEF12:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Unprotect_PrefixButNotOurFormat_ThrowsWithoutEchoingAnyPart(string stored)
    {
        var error = Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(stored.Replace("{id}", _key.Id, StringComparison.Ordinal), SecretProtector.ForgeToken));

        Assert.Null(error.NeededKeyId);
        Assert.DoesNotContain("ABCDEF12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_NonAsciiValue_RoundTrips()
    {
        var value = "tökèn-" + Encoding.UTF8.GetString([0xF0, 0x9F, 0x94, 0x91]);

        Assert.Equal(value, Protector.Unprotect(Protector.Protect(value, SecretProtector.ForgeToken), SecretProtector.ForgeToken));
    }
}
