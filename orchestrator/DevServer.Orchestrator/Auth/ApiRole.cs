namespace DevServer.Orchestrator.Auth;

/// <summary>What a bearer token may do; stored in <c>api_tokens.role</c> as a lowercase word.</summary>
internal enum ApiRole
{
    /// <summary>Every service: the CLI, the dashboard, automation.</summary>
    Admin,

    /// <summary>The mesh only: sidecars and verifiers.</summary>
    Worker,
}

internal static class ApiRoles
{
    public static string ToDatabase(this ApiRole role) => role switch
    {
        ApiRole.Admin => "admin",
        ApiRole.Worker => "worker",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static ApiRole FromDatabase(string value) => value switch
    {
        "admin" => ApiRole.Admin,
        "worker" => ApiRole.Worker,
        _ => throw new InvalidOperationException($"api_tokens holds an unknown role '{value}'."),
    };
}
