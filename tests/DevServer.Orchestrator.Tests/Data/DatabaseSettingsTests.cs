using DevServer.Orchestrator.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DevServer.Orchestrator.Tests.Data;

/// <summary>The effective connection string, computed from configuration without starting anything.</summary>
public sealed class DatabaseSettingsTests
{
    [Fact]
    public void FromConfiguration_NoConnectionString_UsesTheEmbeddedClusterSocket()
    {
        var settings = DatabaseSettings.FromConfiguration(Configuration(("Orchestrator:DataDirectory", "/srv/ds"), ("Orchestrator:Database:EmbeddedPort", "6001")));

        var connection = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        Assert.True(settings.IsEmbedded);
        Assert.Equal("/srv/ds", settings.DataDirectory);
        Assert.Equal("/srv/ds/postgres/run", connection.Host);
        Assert.Equal(6001, connection.Port);
        Assert.Equal("devserver", connection.Username);
        Assert.Equal("devserver", connection.Database);
        Assert.False(connection.Enlist);
        Assert.Equal("/srv/ds/postgres/cluster", settings.Embedded!.ClusterDirectory);
        Assert.Equal(Environment.IsPrivilegedProcess ? "nobody" : null, settings.Embedded.RunAsUser);
    }

    [Fact]
    public void FromConfiguration_ConnectionString_UsesItWithoutEnlisting()
    {
        var settings = DatabaseSettings.FromConfiguration(Configuration(
            ("Orchestrator:DataDirectory", "/srv/ds"),
            ("Orchestrator:Database:ConnectionString", "Host=db.example;Username=ds;Password=secret;Database=pipeline;Maximum Pool Size=7")));

        var connection = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        Assert.False(settings.IsEmbedded);
        Assert.Equal("db.example", connection.Host);
        Assert.Equal("pipeline", connection.Database);
        Assert.Equal(7, connection.MaxPoolSize);
        Assert.False(connection.Enlist);
    }

    [Theory]
    [InlineData("Orchestrator:Database:EmbeddedPort", "0", "EmbeddedPort")]
    [InlineData("Orchestrator:Database:UnprivilegedUser", "no body", "UnprivilegedUser")]
    [InlineData("Orchestrator:Database:ConnectionString", "Hots=x", "ConnectionString")]
    [InlineData("Orchestrator:DataDirectory", "/tmp/it's", "Orchestrator:DataDirectory")]
    public void FromConfiguration_InvalidSetting_ThrowsNamingIt(string key, string value, string name)
    {
        var error = Assert.Throws<OptionsValidationException>(() => DatabaseSettings.FromConfiguration(Configuration((key, value))));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_DataDirectoryTooDeepForASocket_ThrowsSayingSo()
    {
        var deep = "/tmp/" + new string('d', 100);

        var error = Assert.Throws<OptionsValidationException>(() => DatabaseSettings.FromConfiguration(Configuration(("Orchestrator:DataDirectory", deep))));

        Assert.Contains("107 bytes", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
