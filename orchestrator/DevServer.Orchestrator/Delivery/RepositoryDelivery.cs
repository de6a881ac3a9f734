using System.Text.RegularExpressions;
using DevServer.Contracts.Repositories.V1;
using DevServer.Orchestrator.Tasks;
using Npgsql;

namespace DevServer.Orchestrator.Delivery;

/// <summary>
/// A repository's delivery settings: validation of what the API receives, the stored form, and the wire form (one
/// place for every direction). The forge token is write-only: validated and stored here, never read back into a
/// message.
/// </summary>
internal static partial class RepositoryDelivery
{
    public const int MaxGlobs = 100;
    public const int MaxGlobLength = 256;
    public const int MaxEmails = 100;
    public const int MaxTokenLength = 1024;

    /// <summary>The columns <see cref="Read"/> expects, in order (appended to the repository's own).</summary>
    public const string Columns =
        "delivery_flow, forge_kind, forge_api_url, forge_repository, forge_token IS NOT NULL, deny_paths, allow_paths, " +
        "allowed_author_emails, max_diff_bytes, max_files, allow_lock_files";

    /// <summary>Validates settings from a request; null means the defaults (patch only, forge derived, default gate).</summary>
    public static StoredDeliverySettings Validate(DeliverySettings? settings)
    {
        if (settings is null)
        {
            return StoredDeliverySettings.Default;
        }

        var preflight = settings.Preflight ?? new PreflightSettings();
        return new StoredDeliverySettings(
            DeliveryFlows.ToStored(settings.DefaultFlow, "delivery.default_flow"),
            settings.Forge switch
            {
                ForgeKind.Unspecified => "",
                ForgeKind.None => "none",
                ForgeKind.Gitea => "gitea",
                ForgeKind.Github => "github",
                _ => throw TaskValidation.Invalid("delivery.forge must be FORGE_KIND_NONE, FORGE_KIND_GITEA, FORGE_KIND_GITHUB or unspecified."),
            },
            ForgeUrl(settings.ForgeApiUrl),
            settings.ForgeRepository.Length == 0 || OwnerName().IsMatch(settings.ForgeRepository)
                ? settings.ForgeRepository
                : throw TaskValidation.Invalid("delivery.forge_repository must be 'owner/name' (letters, digits, '.', '_' or '-')."),
            Globs(preflight.DenyPaths, "delivery.preflight.deny_paths"),
            Globs(preflight.AllowPaths, "delivery.preflight.allow_paths"),
            Emails(preflight.AllowedAuthorEmails),
            preflight.MaxDiffBytes >= 0 ? preflight.MaxDiffBytes : throw TaskValidation.Invalid("delivery.preflight.max_diff_bytes must not be negative."),
            preflight.MaxFiles >= 0 ? preflight.MaxFiles : throw TaskValidation.Invalid("delivery.preflight.max_files must not be negative."),
            preflight.AllowLockFiles);
    }

    /// <summary>A token from a request: printable, without spaces (it goes into an HTTP header), at most 1 KiB.</summary>
    public static string Token(string token) =>
        token.Length <= MaxTokenLength && token.All(c => c is > ' ' and < (char)127)
            ? token
            : throw TaskValidation.Invalid($"forge_token must be at most {MaxTokenLength} printable ASCII characters without spaces.");

    public static DeliverySettings Read(NpgsqlDataReader reader, int first)
    {
        var preflight = new PreflightSettings
        {
            MaxDiffBytes = reader.GetInt64(first + 8),
            MaxFiles = reader.GetInt32(first + 9),
            AllowLockFiles = reader.GetBoolean(first + 10),
        };
        preflight.DenyPaths.AddRange(reader.GetFieldValue<string[]>(first + 5));
        preflight.AllowPaths.AddRange(reader.GetFieldValue<string[]>(first + 6));
        preflight.AllowedAuthorEmails.AddRange(reader.GetFieldValue<string[]>(first + 7));
        return new DeliverySettings
        {
            DefaultFlow = DeliveryFlows.FromStored(reader.GetString(first)),
            Forge = reader.GetString(first + 1) switch
            {
                "none" => ForgeKind.None,
                "gitea" => ForgeKind.Gitea,
                "github" => ForgeKind.Github,
                _ => ForgeKind.Unspecified,
            },
            ForgeApiUrl = reader.GetString(first + 2),
            ForgeRepository = reader.GetString(first + 3),
            HasForgeToken = reader.GetBoolean(first + 4),
            Preflight = preflight,
        };
    }

    private static string ForgeUrl(string url)
    {
        if (url.Length == 0)
        {
            return url;
        }

        return url.Length <= 1024 && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && uri.UserInfo.Length == 0 && uri.Query.Length == 0
            ? url.TrimEnd('/')
            : throw TaskValidation.Invalid("delivery.forge_api_url must be an http(s) URL without credentials or query.");
    }

    private static string[] Globs(Google.Protobuf.Collections.RepeatedField<string> globs, string field)
    {
        if (globs.Count > MaxGlobs)
        {
            throw TaskValidation.Invalid($"{field} takes at most {MaxGlobs} globs.");
        }

        foreach (var glob in globs)
        {
            var trimmed = glob.Trim();
            if (trimmed.Length is 0 or > MaxGlobLength || glob.Any(char.IsControl) || trimmed.Trim('/', '*').Length == 0
                || trimmed.Split('/').Contains("..") || trimmed.Contains('\\', StringComparison.Ordinal))
            {
                throw TaskValidation.Invalid(
                    $"{field}: '{TaskValidation.Printable(glob)}' is not a path glob (1–{MaxGlobLength} characters, '/' separated, no '..' or '\\', " +
                    "not only '*' and '/').");
            }
        }

        return [.. globs.Select(g => g.Trim())];
    }

    private static string[] Emails(Google.Protobuf.Collections.RepeatedField<string> emails)
    {
        if (emails.Count > MaxEmails)
        {
            throw TaskValidation.Invalid($"delivery.preflight.allowed_author_emails takes at most {MaxEmails} addresses.");
        }

        foreach (var email in emails)
        {
            if (!EmailPattern().IsMatch(email))
            {
                throw TaskValidation.Invalid($"delivery.preflight.allowed_author_emails: '{TaskValidation.Printable(email)}' is not an e-mail address.");
            }
        }

        return [.. emails];
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}/[A-Za-z0-9._-]{1,100}\\z")]
    private static partial Regex OwnerName();

    [GeneratedRegex("^[^@\\s]{1,128}@[^@\\s]{1,125}\\z")]
    private static partial Regex EmailPattern();
}

/// <summary>A repository's delivery settings as stored (flows and forge kinds in their lowercase words).</summary>
internal sealed record StoredDeliverySettings(
    string Flow, string Forge, string ForgeApiUrl, string ForgeRepository,
    string[] DenyPaths, string[] AllowPaths, string[] AllowedEmails, long MaxDiffBytes, int MaxFiles, bool AllowLockFiles)
{
    public static readonly StoredDeliverySettings Default = new("", "", "", "", [], [], [], 0, 0, AllowLockFiles: false);

    public void Bind(NpgsqlParameterCollection parameters)
    {
        parameters.AddWithValue("delivery_flow", Flow);
        parameters.AddWithValue("forge_kind", Forge);
        parameters.AddWithValue("forge_api_url", ForgeApiUrl);
        parameters.AddWithValue("forge_repository", ForgeRepository);
        parameters.AddWithValue("deny_paths", DenyPaths);
        parameters.AddWithValue("allow_paths", AllowPaths);
        parameters.AddWithValue("allowed_author_emails", AllowedEmails);
        parameters.AddWithValue("max_diff_bytes", MaxDiffBytes);
        parameters.AddWithValue("max_files", MaxFiles);
        parameters.AddWithValue("allow_lock_files", AllowLockFiles);
    }
}
