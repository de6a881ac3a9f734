namespace DevServer.Orchestrator.Secrets;

/// <summary>The key that encrypts secrets at rest (section <c>Orchestrator:Secrets</c>).</summary>
internal sealed class SecretsOptions
{
    public const string Section = "Orchestrator:Secrets";

    /// <summary>The environment variable that sets <see cref="Key"/>.</summary>
    public const string EnvironmentVariable = "Orchestrator__Secrets__Key";

    /// <summary>
    /// The base64 of 32 random bytes (<c>openssl rand -base64 32</c>), e.g. from the environment variable
    /// <c>Orchestrator__Secrets__Key</c>. Empty: the key file <c>secret.key</c> in the data directory, created on the
    /// first start. Orchestrators sharing one database must all set the same key.
    /// </summary>
    public string Key { get; set; } = "";

    public static bool IsValid(SecretsOptions options) =>
        options.Key.Trim().Length == 0 || SecretKey.TryParse(options.Key, out _);

    // The message never repeats the configured value: it is the key.
    public const string Requirement =
        $"{Section}: Key must be empty (the key file {SecretKey.FileName} in the data directory is used) or the base64 of " +
        "32 bytes (e.g. from 'openssl rand -base64 32').";
}
