using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using DevServer.Orchestrator.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Secrets;

/// <summary>
/// The 256-bit key that encrypts secrets at rest, with its id: the first 8 hex digits of its SHA-256, which names the
/// key in every value it encrypted and in messages, and reveals nothing of it.
/// </summary>
internal sealed class SecretKey
{
    public const int Size = 32;

    /// <summary>The key file in the data directory, used when <see cref="SecretsOptions.Key"/> is empty.</summary>
    public const string FileName = "secret.key";

    private readonly byte[] _bytes;

    private SecretKey(byte[] bytes, string source)
    {
        _bytes = bytes;
        Id = IdOf(bytes);
        Source = source;
    }

    public string Id { get; }

    /// <summary>Where the key came from (the setting, or the key file's path), for the start-up log.</summary>
    public string Source { get; }

    public ReadOnlySpan<byte> Bytes => _bytes;

    public static string IdOf(ReadOnlySpan<byte> key) => Convert.ToHexStringLower(SHA256.HashData(key))[..8];

    public static SecretKey FromBytes(byte[] bytes, string source) =>
        bytes.Length == Size ? new SecretKey([.. bytes], source) : throw new ArgumentException($"A secret key is {Size} bytes.", nameof(bytes));

    /// <summary>Reads base64 text of exactly <see cref="Size"/> bytes (surrounding white space ignored).</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out byte[]? key)
    {
        // One byte more than a key: a longer value fails here instead of being cut.
        var buffer = new byte[Size + 1];
        if (Convert.TryFromBase64String(text.Trim(), buffer, out var written) && written == Size)
        {
            key = buffer[..Size];
            return true;
        }

        key = null;
        return false;
    }

    /// <summary>The configured key, else the data directory's key file (created with a new random key if missing).</summary>
    public static SecretKey Resolve(SecretsOptions options, string dataDirectory)
    {
        if (options.Key.Trim().Length > 0)
        {
            return TryParse(options.Key, out var configured)
                ? new SecretKey(configured, $"{SecretsOptions.Section}:Key")
                : throw new OptionsValidationException(SecretsOptions.Section, typeof(SecretsOptions), [SecretsOptions.Requirement]);
        }

        return ReadOrCreateFile(Path.Combine(dataDirectory, FileName));
    }

    private static SecretKey ReadOrCreateFile(string path)
    {
        OwnerOnlyFiles.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            // Of instances starting together on one data directory, the first wins and the others read its key.
            OwnerOnlyFiles.WriteAtomically(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(Size)), overwrite: false);
        }

        if (!TryParse(File.ReadAllText(path), out var key))
        {
            // A new key would make every stored secret unreadable: never replaced silently.
            throw new IOException(
                $"{path} does not hold a secret key (the base64 of {Size} bytes). Restore it from a backup, or set " +
                $"{SecretsOptions.Section}:Key to the key the stored secrets were encrypted with.");
        }

        // Kept, but never readable by others, whatever happened to the file meanwhile.
        OwnerOnlyFiles.Restrict(path);
        return new SecretKey(key, path);
    }
}
