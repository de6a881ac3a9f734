using System.Globalization;
using System.Text;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Templates.V1;
using DevServer.Contracts.Work.V1;

namespace DevServer.Cli.Output;

/// <summary>Task templates as people read them; a field the template leaves empty shows as "-" (the task decides).</summary>
internal static class TemplateFormatting
{
    public static string List(IEnumerable<TaskTemplate> templates)
    {
        var table = new Table("NAME", "ID", "REPOSITORY", "VENDOR", "PRIORITY", "LABELS");
        foreach (var template in templates)
        {
            table.Add(
                template.Name,
                template.Id.ToString(CultureInfo.InvariantCulture),
                Words.OrDash(template.Repository),
                Vendor(template.Vendor, template.Model),
                template.Priority == 0 ? "-" : template.Priority.ToString(CultureInfo.InvariantCulture),
                template.Labels.Count == 0 ? "-" : string.Join(',', template.Labels));
        }

        return table.Count == 0 ? "No templates.\n" : table.ToString();
    }

    public static string Show(TaskTemplate template, TimeZoneInfo zone)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Template {template.Name} (id {template.Id})\n");
        TaskFormatting.AppendFields(text, [
            ("repository", Words.OrDash(template.Repository)),
            ("priority", template.Priority == 0 ? "-" : template.Priority.ToString(CultureInfo.InvariantCulture)),
            ("vendor", Vendor(template.Vendor, template.Model)),
            ("backup", template.BackupVendor.Length == 0 && template.BackupModel.Length == 0 ? "-" : Vendor(template.BackupVendor, template.BackupModel)),
            ("turns", template.TurnLimit?.LimitCase switch
            {
                TurnLimit.LimitOneofCase.Unlimited => "unlimited",
                TurnLimit.LimitOneofCase.MaxTurns => string.Create(CultureInfo.InvariantCulture, $"at most {template.TurnLimit.MaxTurns} per attempt"),
                _ => "-",
            }),
            ("billing", template.BillingMode switch
            {
                BillingMode.ApiKey => "API key",
                BillingMode.Subscription => "subscription",
                _ => "-",
            }),
            ("delivery", template.DeliveryFlow == DeliveryFlow.Unspecified ? "-" : DeliveryFormatting.Flow(template.DeliveryFlow)),
            ("verification", template.SkipVerification ? "skipped" : "-"),
            ("labels", template.Labels.Count == 0 ? "-" : string.Join(", ", template.Labels)),
            ("allowed tools", template.AllowedTools.Count == 0 ? "-" : string.Join(", ", template.AllowedTools)),
            ("created", Words.DateTime(template.CreatedAt, zone)),
            ("updated", Words.DateTime(template.UpdatedAt, zone)),
        ]);
        TaskFormatting.AppendBlock(text, "Description", template.Description);
        TaskFormatting.AppendBlock(text, "Acceptance", template.Acceptance);
        return text.ToString();
    }

    private static string Vendor(string vendor, string model) => (vendor, model) switch
    {
        ("", "") => "-",
        (_, "") => vendor,
        ("", _) => "(task's vendor)/" + model,
        _ => $"{vendor}/{model}",
    };
}
