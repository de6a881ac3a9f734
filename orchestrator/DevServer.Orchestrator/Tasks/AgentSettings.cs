using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;

namespace DevServer.Orchestrator.Tasks;

/// <summary>
/// A task's agent settings beyond vendor and model — backup vendor, turn limit, billing mode, allowed tools — with
/// their validation and their stored form (one place for both directions).
/// </summary>
internal static class AgentSettings
{
    public const int MaxTurnLimit = 10_000;
    public const int MaxAllowedTools = 50;
    public const int MaxToolLength = 200;

    /// <summary>
    /// The backup as stored: a backup model alone means "the same vendor with another model"; a backup equal to the
    /// primary is refused because failing over to it would change nothing.
    /// </summary>
    public static (string Vendor, string Model) Backup(string vendor, string model, string backupVendor, string backupModel)
    {
        if (backupVendor.Length == 0 && backupModel.Length == 0)
        {
            return ("", "");
        }

        var backup = backupVendor.Length == 0 ? vendor : TaskValidation.Vendor(backupVendor);
        var checkedModel = TaskValidation.Model(backupModel);
        if (backup == vendor && checkedModel == model)
        {
            throw TaskValidation.Invalid("backup_vendor and backup_model must differ from vendor and model; leave both empty for no backup.");
        }

        return (backup, checkedModel);
    }

    /// <summary>The stored turn limit: null for the configured default, 0 for unlimited, else the limit.</summary>
    public static int? StoredTurnLimit(TurnLimit? limit) => limit?.LimitCase switch
    {
        null or TurnLimit.LimitOneofCase.None => null,
        TurnLimit.LimitOneofCase.Unlimited when limit.Unlimited => 0,
        TurnLimit.LimitOneofCase.Unlimited => throw TaskValidation.Invalid("turn_limit.unlimited must be true when set; leave turn_limit unset for the default."),
        _ => limit.MaxTurns is >= 1 and <= MaxTurnLimit
            ? limit.MaxTurns
            : throw TaskValidation.Invalid($"turn_limit.max_turns must be between 1 and {MaxTurnLimit}."),
    };

    public static TurnLimit? ToTurnLimit(int? stored) => stored switch
    {
        null => null,
        0 => new TurnLimit { Unlimited = true },
        _ => new TurnLimit { MaxTurns = stored.Value },
    };

    public static string StoredBillingMode(BillingMode mode) => mode switch
    {
        BillingMode.Unspecified => "",
        BillingMode.ApiKey => "api_key",
        BillingMode.Subscription => "subscription",
        _ => throw TaskValidation.Invalid("billing_mode is not a known billing mode."),
    };

    public static BillingMode ToBillingMode(string stored) => stored switch
    {
        "api_key" => BillingMode.ApiKey,
        "subscription" => BillingMode.Subscription,
        _ => BillingMode.Unspecified,
    };

    /// <summary>Tool names in the vendor's syntax (e.g. <c>Bash(git:*)</c>): printable, no commas, which separate them on the command line.</summary>
    public static string[] AllowedTools(IReadOnlyCollection<string> tools)
    {
        if (tools.Count > MaxAllowedTools)
        {
            throw TaskValidation.Invalid($"at most {MaxAllowedTools} allowed_tools are allowed.");
        }

        foreach (var tool in tools)
        {
            if (tool.Length is 0 or > MaxToolLength || tool.Any(c => char.IsControl(c) || c == ','))
            {
                throw TaskValidation.Invalid(
                    $"allowed tool '{TaskValidation.Printable(tool)}' must be 1–{MaxToolLength} printable characters without commas.");
            }
        }

        return tools.Distinct(StringComparer.Ordinal).ToArray();
    }
}
