using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Auth;

/// <summary>
/// Token lookups for the call path, kept for <see cref="AuthOptions.TokenCacheDuration"/> so that a busy client does
/// not cost a query per call. Keyed by the token's SHA-256: the plain token is not kept, and a lookup's timing can at
/// most tell something about a hash, which reveals nothing about any token.
/// </summary>
internal sealed class ApiTokenCache(ApiTokenStore store, TimeProvider timeProvider, IOptions<AuthOptions> options)
{
    /// <summary>Unknown tokens are cached too; this bounds what a caller sending random tokens can make us hold.</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _duration = options.Value.TokenCacheDuration;

    /// <summary>The active token's caller, or null for an unknown or revoked token.</summary>
    public ValueTask<ApiCaller?> FindAsync(string token, CancellationToken cancellationToken)
    {
        var hash = ApiToken.Hash(token);
        var key = Convert.ToBase64String(hash);
        var now = timeProvider.GetUtcNow();
        return _entries.TryGetValue(key, out var entry) && entry.Expires > now
            ? ValueTask.FromResult(entry.Caller)
            : new ValueTask<ApiCaller?>(LoadAsync(hash, key, now, cancellationToken));
    }

    private async Task<ApiCaller?> LoadAsync(byte[] hash, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var caller = await store.FindActiveAsync(hash, cancellationToken);
        if (_duration > TimeSpan.Zero)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            _entries[key] = new Entry(caller, now + _duration);
        }

        return caller;
    }

    private sealed record Entry(ApiCaller? Caller, DateTimeOffset Expires);
}
