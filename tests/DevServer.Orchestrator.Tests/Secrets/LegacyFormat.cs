using System.Security.Cryptography;
using System.Text;
using DevServer.Orchestrator.Secrets;

namespace DevServer.Orchestrator.Tests.Secrets;

/// <summary>
/// Values in format v1 as the orchestrator wrote them before v2 (the associated data is the column alone), written here
/// independently of <see cref="SecretProtector"/>, which writes only v2: databases still hold such values.
/// </summary>
internal static class LegacyFormat
{
    public static string ProtectV1(SecretKey key, string value, string column = SecretProtector.ForgeTokenColumn)
    {
        var plaintext = Encoding.UTF8.GetBytes(value);
        var payload = new byte[12 + plaintext.Length + 16];
        RandomNumberGenerator.Fill(payload.AsSpan(0, 12));
        using var aes = new AesGcm(key.Bytes, 16);
        aes.Encrypt(payload.AsSpan(0, 12), plaintext, payload.AsSpan(12, plaintext.Length), payload.AsSpan(12 + plaintext.Length), Encoding.UTF8.GetBytes(column));
        return $"enc:v1:{key.Id}:{Convert.ToBase64String(payload)}";
    }
}
