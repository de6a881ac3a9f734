using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DevServer.RepoInsight;

/// <summary>Indexes of clean commits, one JSON file per (folder, commit, index options).</summary>
internal sealed class MapCache(string directory)
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    public static string Key(string root, string commit, RepoMapOptions options)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{root}\n{commit}\n{options.IndexFingerprint}"));
        return commit + "-" + Convert.ToHexStringLower(hash)[..16];
    }

    public async Task<RepositoryIndex?> TryReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, key + ".json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<RepositoryIndex>(stream, Json, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
        {
            return null; // a damaged or foreign cache file is rebuilt, never trusted
        }
    }

    public async Task WriteAsync(string key, RepositoryIndex index, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, key + ".json");
        // Write then rename: a reader never sees half a file, and concurrent writers of the same key write the same content.
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var stream = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(stream, index, Json, cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
