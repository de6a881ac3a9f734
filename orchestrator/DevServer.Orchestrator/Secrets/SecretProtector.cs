using System.Security.Cryptography;
using System.Text;

namespace DevServer.Orchestrator.Secrets;

/// <summary>
/// Encrypts secrets before they are stored and decrypts them when they are used: AES-256-GCM with a random 12-byte
/// nonce per value, stored as <c>enc:v1:&lt;key id&gt;:&lt;base64(nonce | ciphertext | tag)&gt;</c>. The associated data
/// is the value's use (e.g. <see cref="ForgeToken"/>), so a ciphertext copied into another column does not decrypt.
/// The key is resolved on first use (<see cref="SecretsStartup"/> does it at start, after the data directory exists).
/// </summary>
internal sealed class SecretProtector(Lazy<SecretKey> key)
{
    /// <summary>The use of <c>repositories.forge_token</c>.</summary>
    public const string ForgeToken = "repositories.forge_token";

    public const string Prefix = "enc:";

    private const string Version = "v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public SecretProtector(SecretKey key)
        : this(new Lazy<SecretKey>(key))
    {
    }

    public SecretKey Key => key.Value;

    /// <summary>True for a value this type wrote; anything else is a plain value stored before encryption (legacy).</summary>
    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    public string Protect(string value, string use)
    {
        var plaintext = Encoding.UTF8.GetBytes(value);
        var payload = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = payload.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(Key.Bytes, TagSize))
        {
            aes.Encrypt(nonce, plaintext, payload.AsSpan(NonceSize, plaintext.Length), payload.AsSpan(NonceSize + plaintext.Length), Encoding.UTF8.GetBytes(use));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        return $"{Prefix}{Version}:{Key.Id}:{Convert.ToBase64String(payload)}";
    }

    /// <summary>
    /// The value <see cref="Protect"/> was given; a value without the prefix (stored before encryption) unchanged.
    /// Throws <see cref="SecretUnreadableException"/> when it cannot be decrypted with this key for this use.
    /// </summary>
    public string Unprotect(string stored, string use)
    {
        if (!IsProtected(stored))
        {
            return stored;
        }

        // A key id that is not 8 hex digits is never echoed: a plain value that happens to start with the prefix is a token.
        if (stored.Split(':') is not [_, Version, var keyId, var data] || keyId.Length != 8 || !keyId.All(char.IsAsciiHexDigitLower)
            || !TryDecode(data, out var payload))
        {
            throw new SecretUnreadableException(
                $"the stored value is not in the format this orchestrator reads ({Prefix}{Version}:<key id>:<data>): store the secret again",
                neededKeyId: null);
        }

        if (!string.Equals(keyId, Key.Id, StringComparison.Ordinal))
        {
            throw new SecretUnreadableException(
                $"it was encrypted with key {keyId}, and this orchestrator's key is {Key.Id}: set {SecretsOptions.Section}:Key " +
                $"(environment variable {SecretsOptions.EnvironmentVariable}) to the key with id {keyId} (shared by every orchestrator of the " +
                "database), or store the secret again",
                keyId);
        }

        var plaintext = new byte[payload.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(Key.Bytes, TagSize);
            aes.Decrypt(payload.AsSpan(0, NonceSize), payload.AsSpan(NonceSize, plaintext.Length), payload.AsSpan(NonceSize + plaintext.Length), plaintext,
                Encoding.UTF8.GetBytes(use));
        }
        catch (AuthenticationTagMismatchException exception)
        {
            throw new SecretUnreadableException(
                $"it does not decrypt with key {Key.Id} as {use} (it was altered, or stored for another use): store the secret again",
                exception);
        }

        return Encoding.UTF8.GetString(plaintext);
    }

    private static bool TryDecode(string data, out byte[] payload)
    {
        payload = new byte[data.Length * 3 / 4];
        if (Convert.TryFromBase64String(data, payload, out var written) && written >= NonceSize + TagSize)
        {
            payload = payload[..written];
            return true;
        }

        return false;
    }
}
