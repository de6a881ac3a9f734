using DevServer.Contracts.Templates.V1;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Tasks;
using Npgsql;

namespace DevServer.Orchestrator.Templates;

/// <summary>
/// A template's fields checked and in their stored form. The fields it shares with a task go through the task's own
/// rules (<see cref="TaskValidation"/>, <see cref="AgentSettings"/>, <see cref="DeliveryFlows"/>); only "empty means
/// none" is added, since a template may leave anything to the task.
/// </summary>
internal sealed record TemplateFields(
    string Name, string Description, string Acceptance, string Repository, short Priority, string Vendor, string Model,
    string BackupVendor, string BackupModel, int? MaxTurns, string BillingMode, string DeliveryFlow, bool SkipVerification,
    string[] Labels, string[] AllowedTools)
{
    public const int MaxNameLength = 100;

    /// <summary>Repository names are at most this long (RepositoryService's rule); longer can never match one.</summary>
    private const int MaxRepositoryLength = 64;

    public static TemplateFields Validate(TaskTemplate? template)
    {
        if (template is null)
        {
            throw TaskValidation.Invalid("template is required.");
        }

        var vendor = template.Vendor.Length == 0 ? "" : TaskValidation.Vendor(template.Vendor);
        var model = TaskValidation.Model(template.Model);
        var backupVendor = template.BackupVendor.Length == 0 ? "" : TaskValidation.Vendor(template.BackupVendor);
        var backupModel = TaskValidation.Model(template.BackupModel);
        // The task's rule on the vendor the task would get; the values are stored as given, so that "backup model
        // alone" keeps meaning "the task's own vendor with this model" whichever vendor the task ends up with.
        AgentSettings.Backup(TaskValidation.Vendor(vendor), model, backupVendor, backupModel);
        return new TemplateFields(
            CheckName(template.Name),
            TaskValidation.Text(template.Description, "description", TaskValidation.MaxDescriptionBytes),
            TaskValidation.Text(template.Acceptance, "acceptance", TaskValidation.MaxAcceptanceBytes),
            CheckRepository(template.Repository),
            (short)(template.Priority == 0 ? 0 : TaskValidation.Priority(template.Priority)),
            vendor,
            model,
            backupVendor,
            backupModel,
            AgentSettings.StoredTurnLimit(template.TurnLimit),
            AgentSettings.StoredBillingMode(template.BillingMode),
            DeliveryFlows.ToStored(template.DeliveryFlow, "delivery_flow"),
            template.SkipVerification,
            TaskValidation.Labels(template.Labels),
            AgentSettings.AllowedTools(template.AllowedTools));
    }

    /// <summary>The parameters of the INSERT and UPDATE statements (@name … @allowed_tools, @now).</summary>
    public void Bind(NpgsqlParameterCollection parameters, DateTimeOffset now)
    {
        parameters.AddWithValue("name", Name);
        parameters.AddWithValue("description", Description);
        parameters.AddWithValue("acceptance", Acceptance);
        parameters.AddWithValue("repository", Repository);
        parameters.AddWithValue("priority", Priority);
        parameters.AddWithValue("vendor", Vendor);
        parameters.AddWithValue("model", Model);
        parameters.AddWithValue("backup_vendor", BackupVendor);
        parameters.AddWithValue("backup_model", BackupModel);
        parameters.Add(new NpgsqlParameter<int?>("max_turns", NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = MaxTurns });
        parameters.AddWithValue("billing_mode", BillingMode);
        parameters.AddWithValue("delivery_flow", DeliveryFlow);
        parameters.AddWithValue("skip_verification", SkipVerification);
        parameters.AddWithValue("labels", Labels);
        parameters.AddWithValue("allowed_tools", AllowedTools);
        parameters.AddWithValue("now", now);
    }

    /// <summary>1–100 characters without control characters, and not a number: GetTemplate takes a name or an id.</summary>
    private static string CheckName(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.Length is 0 or > MaxNameLength || trimmed.Any(char.IsControl))
        {
            throw TaskValidation.Invalid($"name must be 1–{MaxNameLength} characters without control characters.");
        }

        return long.TryParse(trimmed, out _)
            ? throw TaskValidation.Invalid("name must not be a number: numbers name templates by id.")
            : trimmed;
    }

    private static string CheckRepository(string repository) =>
        repository.Length <= MaxRepositoryLength && !repository.Any(char.IsControl)
            ? repository
            : throw TaskValidation.Invalid($"repository must be a repository's name (at most {MaxRepositoryLength} characters).");
}
