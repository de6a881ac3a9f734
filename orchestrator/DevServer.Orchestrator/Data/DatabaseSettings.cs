using System.ComponentModel.DataAnnotations;
using DevServer.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DevServer.Orchestrator.Data;

/// <summary>
/// The validated database settings: the data directory, the effective connection string, and for the embedded
/// default where its cluster lives. Pure (starts nothing), so it can be computed while services are registered,
/// e.g. for Quartz's store.
/// </summary>
internal sealed class DatabaseSettings
{
    /// <summary>Connections the orchestrator's pool may open; Quartz keeps its own pool beside it.</summary>
    private const int MaxPoolSize = 40;

    private const string ApplicationName = "devserver-orchestrator";

    private DatabaseSettings(string dataDirectory, string connectionString, EmbeddedPostgresOptions? embedded, TimeSpan startupWait = default)
    {
        DataDirectory = dataDirectory;
        ConnectionString = connectionString;
        Embedded = embedded;
        StartupWait = startupWait;
    }

    /// <summary>The absolute data directory (tokens, and with the embedded default the cluster).</summary>
    public string DataDirectory { get; }

    /// <summary>The connection string every part of the orchestrator uses (the data source and Quartz).</summary>
    public string ConnectionString { get; }

    /// <summary>The private cluster to start, or null when an external server is configured.</summary>
    public EmbeddedPostgresOptions? Embedded { get; }

    public bool IsEmbedded => Embedded is not null;

    /// <summary>How long the start waits for an external server that cannot be reached (<see cref="DatabaseOptions.StartupWait"/>).</summary>
    public TimeSpan StartupWait { get; }

    /// <summary>Reads <c>Orchestrator:DataDirectory</c> and <c>Orchestrator:Database</c>; throws naming every bad setting.</summary>
    public static DatabaseSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var errors = new List<string>();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            errors.AddRange(results.Select(r => $"{DatabaseOptions.Section}: {r.ErrorMessage}"));
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(DatabaseOptions.Section, typeof(DatabaseOptions), errors);
        }

        var configured = configuration[DatabaseOptions.DataDirectoryKey];
        var dataDirectory = Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? LocalInstallation.DefaultDataDirectory() : configured);
        var settings = string.IsNullOrWhiteSpace(options.ConnectionString)
            ? ForEmbedded(dataDirectory, options, errors)
            : ForExternal(dataDirectory, options, errors);
        return errors.Count == 0
            ? settings
            : throw new OptionsValidationException(DatabaseOptions.Section, typeof(DatabaseOptions), errors);
    }

    private static DatabaseSettings ForEmbedded(string dataDirectory, DatabaseOptions options, List<string> errors)
    {
        var embedded = new EmbeddedPostgresOptions(
            dataDirectory,
            string.IsNullOrWhiteSpace(options.PostgresBinDirectory) ? null : Path.GetFullPath(options.PostgresBinDirectory),
            options.EmbeddedPort,
            Environment.IsPrivilegedProcess ? options.UnprivilegedUser : null);
        errors.AddRange(embedded.Validate().Select(e => $"{DatabaseOptions.DataDirectoryKey}: {e}"));
        return new DatabaseSettings(dataDirectory, embedded.ConnectionString(EmbeddedPostgres.Database, MaxPoolSize, ApplicationName), embedded);
    }

    private static DatabaseSettings ForExternal(string dataDirectory, DatabaseOptions options, List<string> errors)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            // The message names the bad keyword; the string itself may hold a password, so it is not repeated.
            errors.Add($"{DatabaseOptions.Section}: ConnectionString is not a valid Npgsql connection string ({ex.Message}).");
            return new DatabaseSettings(dataDirectory, "", null);
        }

        // No ambient transactions in this host; enlisting would only cost a lookup per open.
        // The pool size stays the operator's (Npgsql's default otherwise): they know the server's max_connections.
        builder.Enlist = false;
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = ApplicationName;
        }

        return new DatabaseSettings(dataDirectory, builder.ConnectionString, null, options.StartupWait);
    }
}
