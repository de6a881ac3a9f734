using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace DevServer.Orchestrator.Auth;

/// <summary>
/// Bearer tokens: 32 random bytes in base64url behind a prefix that says what the token is for (<c>dsa_</c> admin,
/// <c>dsw_</c> worker), so a token in a config file or a leak report is recognisable. Only their SHA-256 is stored.
/// </summary>
internal static class ApiToken
{
    public const string AdminPrefix = "dsa_";
    public const string WorkerPrefix = "dsw_";

    private const int RandomBytes = 32;

    public static string Generate(ApiRole role)
    {
        var prefix = role == ApiRole.Admin ? AdminPrefix : WorkerPrefix;
        return prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));
    }

    /// <summary>The SHA-256 of the token's UTF-8 bytes, as stored in <c>api_tokens.token_sha256</c>.</summary>
    public static byte[] Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }
}
