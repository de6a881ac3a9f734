using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Secrets;

/// <summary>
/// The keys an orchestrator knows: the current one, which encrypts every value, and the previous ones of a rotation,
/// which only decrypt values not yet re-encrypted (<see cref="SecretsStartup"/> re-encrypts them at start). Key ids are
/// unique within a keyring: a stored value names its key by id.
/// </summary>
internal sealed class SecretKeyring
{
    private readonly Dictionary<string, SecretKey> _byId;

    public SecretKeyring(SecretKey current, IReadOnlyList<SecretKey> previous)
    {
        Current = current;
        Previous = previous;
        _byId = new Dictionary<string, SecretKey>(StringComparer.Ordinal) { [current.Id] = current };
        foreach (var key in previous)
        {
            if (!_byId.TryAdd(key.Id, key))
            {
                throw new ArgumentException($"Key {key.Id} ({key.Source}) is in the keyring twice.", nameof(previous));
            }
        }
    }

    public SecretKey Current { get; }

    public IReadOnlyList<SecretKey> Previous { get; }

    /// <summary>The ids of every key, the current one first.</summary>
    public IReadOnlyList<string> Ids => [Current.Id, .. Previous.Select(k => k.Id)];

    public SecretKey? Find(string keyId) => _byId.GetValueOrDefault(keyId);

    /// <summary>
    /// The current key (<see cref="SecretKey.Resolve"/>: the setting, else the data directory's key file) and the
    /// previous keys of <see cref="SecretsOptions.PreviousKeys"/>. Throws <see cref="OptionsValidationException"/> when
    /// the options are invalid or a previous key is the key file's key, with messages that never hold a key.
    /// </summary>
    public static SecretKeyring Resolve(SecretsOptions options, string dataDirectory)
    {
        if (SecretsOptions.Problems(options) is { Count: > 0 } problems)
        {
            throw new OptionsValidationException(SecretsOptions.Section, typeof(SecretsOptions), problems);
        }

        var current = SecretKey.Resolve(options, dataDirectory);
        var previous = new List<SecretKey>();
        for (var i = 0; i < options.PreviousKeys.Count; i++)
        {
            if (options.PreviousKeys[i] is { } text && SecretKey.TryParse(text, out var bytes))
            {
                var key = SecretKey.FromBytes(bytes, $"{SecretsOptions.Section}:PreviousKeys:{i}");
                // The options' own check cannot see the key file's key: it is read only now.
                if (key.Id == current.Id)
                {
                    throw new OptionsValidationException(SecretsOptions.Section, typeof(SecretsOptions), [SecretsOptions.CurrentKeyListed(i, key.Id)]);
                }

                previous.Add(key);
            }
        }

        return new SecretKeyring(current, previous);
    }
}
