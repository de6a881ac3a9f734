namespace DevServer.Cli.Connection;

/// <summary>Where the orchestrator is and which token the CLI presents.</summary>
/// <param name="Server">The orchestrator's gRPC address (h2c <c>http://</c> or TLS <c>https://</c>).</param>
/// <param name="Token">The bearer token; null when none was found.</param>
/// <param name="TokenOrigin">Where the token came from (or where the CLI looked), for error messages.</param>
internal sealed record ConnectionSettings(Uri Server, string? Token, string TokenOrigin);
