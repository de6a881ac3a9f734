using System.Security.Cryptography;
using System.Text;
using DevServer.Orchestrator.Secrets;

namespace DevServer.Orchestrator.Tests.Secrets;

/// <summary>The stored form of a secret: AES-256-GCM under the current key, named by its id, bound to its column and row.</summary>
public sealed class SecretProtectorTests
{
    private const string Token = "canary-3f9a1c7e-forge-token";

    private readonly SecretKey _key = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "test");

    private static readonly SecretSlot Slot = SecretProtector.ForgeToken(42);

    private SecretProtector Protector => new(_key);

    [Fact]
    public void Protect_AToken_StoredWithVersionAndKeyIdAndReadBack()
    {
        var stored = Protector.Protect(Token, Slot);

        Assert.StartsWith($"enc:v2:{_key.Id}:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, stored, StringComparison.Ordinal);
        // Nonce (12) + ciphertext (as long as the token) + tag (16), in base64.
        Assert.Equal(12 + Token.Length + 16, Convert.FromBase64String(stored.Split(':')[3]).Length);
        Assert.Equal(Token, Protector.Unprotect(stored, Slot));
    }

    [Fact]
    public void Protect_SameTokenTwice_DifferentNonceAndCiphertext()
    {
        var first = Protector.Protect(Token, Slot);
        var second = Protector.Protect(Token, Slot);

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
        Assert.Equal(Token, Protector.Unprotect(Token, Slot));
    }

    [Fact]
    public void Unprotect_EncryptedWithAnotherKey_ThrowsNamingTheKeyNeededAndTheSettingWithoutTheValue()
    {
        var other = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "other");
        var stored = new SecretProtector(other).Protect(Token, Slot);

        var error = Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(stored, Slot));

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
        var stored = Protector.Protect(Token, Slot);
        var parts = stored.Split(':');
        var payload = Convert.FromBase64String(parts[3]);
        // The nonce, the ciphertext, the tag.
        payload[index < 0 ? payload.Length - 1 : index] ^= 0x01;
        var tampered = string.Join(':', parts[0], parts[1], parts[2], Convert.ToBase64String(payload));

        var error = Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(tampered, Slot));

        Assert.Null(error.NeededKeyId);
        Assert.Contains("store the secret again", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_CiphertextMovedToAnotherColumn_Throws()
    {
        var stored = Protector.Protect(Token, Slot);

        Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(stored, new SecretSlot("settings.webhook_secret", Slot.RowId)));
    }

    [Fact]
    public void Unprotect_CiphertextMovedToAnotherRow_ThrowsNamingTheRowWithoutTheValue()
    {
        var stored = Protector.Protect(Token, SecretProtector.ForgeToken(7));

        var error = Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(stored, SecretProtector.ForgeToken(8)));

        Assert.Null(error.NeededKeyId);
        Assert.Contains("as repositories.forge_token of row 8", error.Message, StringComparison.Ordinal);
        Assert.Contains("copied from another row", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.Split(':')[3], error.Message, StringComparison.Ordinal);
        Assert.Equal(Token, Protector.Unprotect(stored, SecretProtector.ForgeToken(7)));
    }

    [Fact]
    public void Unprotect_FormatV1_ReadBoundToTheColumnOnly()
    {
        var stored = LegacyFormat.ProtectV1(_key, Token);

        // v1 did not name the row: it reads in any row until the start rewrites it as v2.
        Assert.Equal(Token, Protector.Unprotect(stored, SecretProtector.ForgeToken(1)));
        Assert.Equal(Token, Protector.Unprotect(stored, SecretProtector.ForgeToken(2)));
        Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(stored, new SecretSlot("settings.webhook_secret", 1)));
    }

    [Fact]
    public void Unprotect_VersionLabelSwapped_Throws()
    {
        // Relabelling a value cannot loosen its binding: v1's associated data is not v2's, and the other way round.
        var v2 = Protector.Protect(Token, Slot);
        var v1 = LegacyFormat.ProtectV1(_key, Token);

        Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(v2.Replace("enc:v2:", "enc:v1:", StringComparison.Ordinal), Slot));
        Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(v1.Replace("enc:v1:", "enc:v2:", StringComparison.Ordinal), Slot));
    }

    [Fact]
    public void Unprotect_EncryptedWithAPreviousKey_DecryptedAndNewValuesUseTheCurrentKey()
    {
        var previous = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "previous");
        var underPrevious = new SecretProtector(previous).Protect(Token, Slot);
        var v1UnderPrevious = LegacyFormat.ProtectV1(previous, Token);
        var rotated = new SecretProtector(_key, previous);

        Assert.Equal(Token, rotated.Unprotect(underPrevious, Slot));
        Assert.Equal(Token, rotated.Unprotect(v1UnderPrevious, Slot));
        Assert.StartsWith($"enc:v2:{_key.Id}:", rotated.Protect(Token, Slot), StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_KeyUnknownToARotatedKeyring_ThrowsNamingTheKeyNeededAndTheKnownOnes()
    {
        var previous = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "previous");
        var other = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "other");
        var stored = new SecretProtector(other).Protect(Token, Slot);

        var error = Assert.Throws<SecretUnreadableException>(() => new SecretProtector(_key, previous).Unprotect(stored, Slot));

        Assert.Equal(other.Id, error.NeededKeyId);
        Assert.Contains($"this orchestrator's key is {_key.Id} (previous keys: {previous.Id})", error.Message, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Secrets:PreviousKeys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keyring_SameKeyTwice_Refused()
    {
        var previous = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "previous");

        Assert.Throws<ArgumentException>(() => new SecretKeyring(_key, [_key]));
        Assert.Throws<ArgumentException>(() => new SecretKeyring(_key, [previous, previous]));
    }

    [Theory]
    [InlineData("enc:v3:{id}:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("enc:v2:00000000:AAAA")]
    [InlineData("enc:v2:{id}:AAAA")]
    [InlineData("enc:v1:abc")]
    [InlineData("enc:v1:{id}:not base64!")]
    [InlineData("enc:v1:{id}:AAAA")]
    [InlineData("enc:v1:ABCDEF12:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Unprotect_PrefixButNotOurFormat_ThrowsWithoutEchoingAnyPart(string stored)
    {
        var error = Assert.Throws<SecretUnreadableException>(() => Protector.Unprotect(stored.Replace("{id}", _key.Id, StringComparison.Ordinal), Slot));

        Assert.Null(error.NeededKeyId);
        Assert.DoesNotContain("ABCDEF12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_NonAsciiValue_RoundTrips()
    {
        var value = "tökèn-" + Encoding.UTF8.GetString([0xF0, 0x9F, 0x94, 0x91]);

        Assert.Equal(value, Protector.Unprotect(Protector.Protect(value, Slot), Slot));
    }
}
