using System.Text;
using System.Text.RegularExpressions;
using Rpc;

namespace DevServer.Orchestrator.Tasks;

/// <summary>
/// Field rules shared by task and repository requests. Each check throws INVALID_ARGUMENT naming the field, so a bad
/// request is refused before anything is stored.
/// </summary>
internal static partial class TaskValidation
{
    public const string DefaultVendor = "script";
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionBytes = 64 * 1024;
    public const int MaxAcceptanceBytes = 16 * 1024;
    public const int MaxLabels = 20;
    public static readonly TimeSpan MinAttemptTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxAttemptTimeout = TimeSpan.FromHours(24);

    public static string Title(string title)
    {
        var trimmed = title.Trim();
        if (trimmed.Length is 0 or > MaxTitleLength || trimmed.Any(char.IsControl))
        {
            throw Invalid($"title must be 1–{MaxTitleLength} characters without control characters.");
        }

        return trimmed;
    }

    /// <summary>Free text up to <paramref name="maxBytes"/> of UTF-8; PostgreSQL text cannot hold NUL, so it is refused here.</summary>
    public static string Text(string value, string field, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(value) > maxBytes)
        {
            throw Invalid($"{field} must be at most {maxBytes / 1024} KiB.");
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw Invalid($"{field} must not contain NUL characters.");
        }

        return value;
    }

    public static int Priority(int priority) => priority switch
    {
        0 => 3,
        >= 1 and <= 4 => priority,
        _ => throw Invalid("priority must be 1 (critical) to 4 (low), or 0 for the default (3)."),
    };

    public static string Vendor(string vendor)
    {
        if (vendor.Length == 0)
        {
            return DefaultVendor;
        }

        return IsVendorId(vendor)
            ? vendor
            : throw Invalid("vendor must be a lowercase letter followed by up to 31 lowercase letters, digits or '-'.");
    }

    /// <summary>A vendor id as tasks and workers name it: a lowercase letter, then up to 31 lowercase letters, digits or '-'.</summary>
    public static bool IsVendorId(string vendor) => VendorPattern().IsMatch(vendor);

    public static string Model(string model) =>
        model.Length <= 128 && ModelPattern().IsMatch(model)
            ? model
            : throw Invalid("model must be at most 128 characters of letters, digits and . _ : / @ -.");

    /// <summary>A branch name git accepts and a shell cannot misread (a subset of git check-ref-format).</summary>
    public static string Branch(string branch, string field)
    {
        var valid = branch.Length is > 0 and <= 200
            && BranchCharacters().IsMatch(branch)
            && !branch.StartsWith('-') && !branch.StartsWith('/') && !branch.StartsWith('.')
            && !branch.EndsWith('/') && !branch.EndsWith('.') && !branch.EndsWith(".lock", StringComparison.Ordinal)
            && !branch.Contains("..", StringComparison.Ordinal) && !branch.Contains("//", StringComparison.Ordinal)
            && !branch.Contains("/.", StringComparison.Ordinal);
        return valid ? branch : throw Invalid($"{field} '{Printable(branch)}' is not a valid branch name.");
    }

    public static int MaxAttempts(int maxAttempts, string field) =>
        maxAttempts is >= 1 and <= 10 ? maxAttempts : throw Invalid($"{field} must be between 1 and 10.");

    public static TimeSpan Timeout(Google.Protobuf.WellKnownTypes.Duration duration, string field, TimeSpan min, TimeSpan max)
    {
        TimeSpan value;
        try
        {
            value = duration.ToTimeSpan();
        }
        catch (InvalidOperationException)
        {
            throw Invalid($"{field} is not a valid duration.");
        }

        return value >= min && value <= max ? value : throw Invalid($"{field} must be between {min} and {max}.");
    }

    public static string[] Labels(IReadOnlyCollection<string> labels)
    {
        if (labels.Count > MaxLabels)
        {
            throw Invalid($"at most {MaxLabels} labels are allowed.");
        }

        foreach (var label in labels)
        {
            if (!LabelPattern().IsMatch(label))
            {
                throw Invalid($"label '{Printable(label)}' must be 1–64 characters of letters, digits and . _ : -.");
            }
        }

        return labels.Distinct(StringComparer.Ordinal).ToArray();
    }

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    /// <summary>Echoes user input in an error without control characters or unbounded length.</summary>
    public static string Printable(string value)
    {
        var cleaned = new string(value.Select(c => char.IsControl(c) ? '?' : c).Take(80).ToArray());
        return value.Length > 80 ? cleaned + "…" : cleaned;
    }

    // \z, not $: in .NET '$' also matches before a final '\n', which would let "main\n" through.
    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}\\z")]
    private static partial Regex VendorPattern();

    [GeneratedRegex("^[A-Za-z0-9._:/@-]*\\z")]
    private static partial Regex ModelPattern();

    [GeneratedRegex("^[A-Za-z0-9._/-]+\\z")]
    private static partial Regex BranchCharacters();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}\\z")]
    private static partial Regex LabelPattern();
}
