using System.Security.Cryptography;
using System.Text;

namespace DevServer.Orchestrator.Secrets;

/// <summary>
/// Encrypts secrets before they are stored and decrypts them when they are used: AES-256-GCM with a random 12-byte
/// nonce per value, stored as <c>enc:v2:&lt;key id&gt;:&lt;base64(nonce | ciphertext | tag)&gt;</c>. The associated data is
/// the value's <see cref="SecretSlot"/> (column and row), so a ciphertext copied into another row or column does not
/// decrypt. Values are always encrypted with the keyring's current key and decrypted with whichever of its keys the
/// value names. Format v1 (written before v2, bound to the column only) is still read; the start rewrites it as v2.
/// The keyring is resolved on first use (<see cref="SecretsStartup"/> does it at start, after the data directory exists).
/// </summary>
internal sealed class SecretProtector(Lazy<SecretKeyring> keyring)
{
    /// <summary>The column that holds the repositories' forge tokens.</summary>
    public const string ForgeTokenColumn = "repositories.forge_token";

    public const string Prefix = "enc:";

    /// <summary>The format every value is written in.</summary>
    public const string Version = "v2";

    /// <summary>The format before v2: the associated data is the column alone, so a value could move between rows.</summary>
    public const string LegacyVersion = "v1";

    private const int NonceSize = 12;
    private const int TagSize = 16;

    public SecretProtector(SecretKey key, params IReadOnlyList<SecretKey> previous)
        : this(new Lazy<SecretKeyring>(new SecretKeyring(key, previous)))
    {
    }

    public SecretKeyring Keyring => keyring.Value;

    /// <summary>The current key: the one every value is encrypted with.</summary>
    public SecretKey Key => Keyring.Current;

    /// <summary>Where repository <paramref name="repositoryId"/>'s forge token is stored.</summary>
    public static SecretSlot ForgeToken(long repositoryId) => new(ForgeTokenColumn, repositoryId);

    /// <summary>True for a value this type wrote; anything else is a plain value stored before encryption (legacy).</summary>
    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The start of every value that is written now: nothing to rewrite in a value that starts with it.</summary>
    public string CurrentPrefix => $"{Prefix}{Version}:{Key.Id}:";

    /// <summary>The id of the key a well-formed stored value names; null for anything else (never a part of a plain value).</summary>
    public static string? KeyIdOf(string stored) => TryParse(stored, out _, out var keyId, out _) ? keyId : null;

    public string Protect(string value, SecretSlot slot)
    {
        var key = Key;
        var plaintext = Encoding.UTF8.GetBytes(value);
        var payload = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = payload.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key.Bytes, TagSize))
        {
            aes.Encrypt(nonce, plaintext, payload.AsSpan(NonceSize, plaintext.Length), payload.AsSpan(NonceSize + plaintext.Length), slot.AssociatedData());
        }

        CryptographicOperations.ZeroMemory(plaintext);
        return $"{CurrentPrefix}{Convert.ToBase64String(payload)}";
    }

    /// <summary>
    /// The value <see cref="Protect"/> was given for this slot; a value without the prefix (stored before encryption)
    /// unchanged. Throws <see cref="SecretUnreadableException"/> when no key of the keyring decrypts it for this slot.
    /// </summary>
    public string Unprotect(string stored, SecretSlot slot)
    {
        if (!IsProtected(stored))
        {
            return stored;
        }

        // A key id that is not 8 hex digits is never echoed: a plain value that happens to start with the prefix is a token.
        if (!TryParse(stored, out var version, out var keyId, out var payload))
        {
            throw new SecretUnreadableException(
                $"the stored value is not in a format this orchestrator reads ({Prefix}{Version}:<key id>:<data>): store the secret again",
                neededKeyId: null);
        }

        var keys = Keyring;
        if (keys.Find(keyId) is not { } key)
        {
            var previous = keys.Previous.Count == 0 ? "" : $" (previous keys: {string.Join(", ", keys.Previous.Select(k => k.Id))})";
            throw new SecretUnreadableException(
                $"it was encrypted with key {keyId}, and this orchestrator's key is {keys.Current.Id}{previous}: set {SecretsOptions.Section}:Key " +
                $"(environment variable {SecretsOptions.EnvironmentVariable}) to the key with id {keyId} (shared by every orchestrator of the " +
                $"database; during a rotation, list the replaced key under {SecretsOptions.Section}:PreviousKeys), or store the secret again",
                keyId);
        }

        // v1 was bound to its column only; v2 to its column and row.
        var (associatedData, boundTo) = version == LegacyVersion ? (Encoding.UTF8.GetBytes(slot.Column), slot.Column) : (slot.AssociatedData(), slot.ToString());
        var plaintext = new byte[payload.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key.Bytes, TagSize);
            aes.Decrypt(payload.AsSpan(0, NonceSize), payload.AsSpan(NonceSize, plaintext.Length), payload.AsSpan(NonceSize + plaintext.Length), plaintext,
                associatedData);
        }
        catch (AuthenticationTagMismatchException exception)
        {
            throw new SecretUnreadableException(
                $"it does not decrypt with key {key.Id} as {boundTo} (it was altered, or copied from another row or column): store the secret again",
                exception);
        }

        return Encoding.UTF8.GetString(plaintext);
    }

    private static bool TryParse(string stored, out string version, out string keyId, out byte[] payload)
    {
        if (IsProtected(stored) && stored.Split(':') is [_, var v and (LegacyVersion or Version), var id, var data]
            && id.Length == 8 && id.All(char.IsAsciiHexDigitLower) && TryDecode(data, out payload))
        {
            (version, keyId) = (v, id);
            return true;
        }

        (version, keyId, payload) = ("", "", []);
        return false;
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
