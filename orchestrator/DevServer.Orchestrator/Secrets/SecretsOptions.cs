using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Secrets;

/// <summary>The keys that encrypt secrets at rest (section <c>Orchestrator:Secrets</c>).</summary>
internal sealed class SecretsOptions
{
    public const string Section = "Orchestrator:Secrets";

    /// <summary>The environment variable that sets <see cref="Key"/>.</summary>
    public const string EnvironmentVariable = "Orchestrator__Secrets__Key";

    /// <summary>
    /// The base64 of 32 random bytes (<c>openssl rand -base64 32</c>), e.g. from the environment variable
    /// <c>Orchestrator__Secrets__Key</c>. Empty: the key file <c>secret.key</c> in the data directory, created on the
    /// first start. Orchestrators sharing one database must all set the same key. Every value is encrypted with it.
    /// </summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// Keys that <see cref="Key"/> replaced, during a rotation (same form; environment variables
    /// <c>Orchestrator__Secrets__PreviousKeys__0</c>, <c>__1</c>…): they only decrypt, and the start re-encrypts every
    /// value still under one of them with <see cref="Key"/>, after which they can be removed. Blank entries are ignored
    /// (an emptied environment variable).
    /// </summary>
    public IList<string> PreviousKeys { get; } = new List<string>();

    // The messages never repeat a configured value: it is a key. Key ids (a hash prefix) are safe to name.
    public const string Requirement =
        $"{Section}: Key must be empty (the key file {SecretKey.FileName} in the data directory is used) or the base64 of " +
        "32 bytes (e.g. from 'openssl rand -base64 32').";

    /// <summary>What is wrong with the options, one message per problem; empty when they are valid.</summary>
    public static IReadOnlyList<string> Problems(SecretsOptions options)
    {
        var problems = new List<string>();
        string? currentId = null;
        if (options.Key.Trim().Length > 0)
        {
            if (SecretKey.TryParse(options.Key, out var key))
            {
                currentId = SecretKey.IdOf(key);
            }
            else
            {
                problems.Add(Requirement);
            }
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.PreviousKeys.Count; i++)
        {
            var text = options.PreviousKeys[i] ?? "";
            if (text.Trim().Length == 0)
            {
                continue;
            }

            if (!SecretKey.TryParse(text, out var previous))
            {
                problems.Add($"{Section}: PreviousKeys:{i} must be the base64 of 32 bytes (a key that Key replaced).");
                continue;
            }

            var id = SecretKey.IdOf(previous);
            if (id == currentId)
            {
                problems.Add(CurrentKeyListed(i, id));
            }
            else if (!seen.TryAdd(id, i))
            {
                problems.Add($"{Section}: PreviousKeys:{i} is key {id} again (PreviousKeys:{seen[id]}): list each key once.");
            }
        }

        return problems;
    }

    public static string CurrentKeyListed(int index, string keyId) =>
        $"{Section}: PreviousKeys:{index} is the current key {keyId}: list only keys that Key replaced.";

    /// <summary>Reports every problem at start (<c>ValidateOnStart</c>), not only the first.</summary>
    internal sealed class Validation : IValidateOptions<SecretsOptions>
    {
        public ValidateOptionsResult Validate(string? name, SecretsOptions options) =>
            Problems(options) is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
