using System.Security.Cryptography;
using System.Text;
using DevServer.Orchestrator.Auth;

namespace DevServer.Orchestrator.Tests.Auth;

public sealed class ApiTokenTests
{
    [Theory]
    [InlineData(nameof(ApiRole.Admin), "dsa_")]
    [InlineData(nameof(ApiRole.Worker), "dsw_")]
    public void Generate_Role_PrefixAnd32RandomBytesInBase64Url(string role, string prefix)
    {
        var tokens = Enumerable.Range(0, 100).Select(_ => ApiToken.Generate(Enum.Parse<ApiRole>(role))).ToList();

        Assert.All(tokens, token =>
        {
            Assert.StartsWith(prefix, token, StringComparison.Ordinal);
            // 32 bytes are 43 base64url characters without padding.
            Assert.Equal(prefix.Length + 43, token.Length);
            Assert.All(token[prefix.Length..], c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' in {token}"));
        });
        Assert.Equal(tokens.Count, tokens.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Hash_Token_IsSha256OfItsUtf8Bytes()
    {
        var token = ApiToken.Generate(ApiRole.Admin);

        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(token)), ApiToken.Hash(token));
    }
}
