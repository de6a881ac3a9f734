using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Templates.V1;
using DevServer.Contracts.Work.V1;

namespace DevServer.Orchestrator.Templates;

/// <summary>
/// CreateTaskRequest.template: what the request leaves empty takes the template's value. The result is one request,
/// validated afterwards like any other, so a template can never smuggle in what a request could not say.
/// </summary>
internal static class TemplateMerge
{
    public static CreateTaskRequest Apply(CreateTaskRequest request, TaskTemplate template)
    {
        var merged = request.Clone();
        merged.Repository = Either(merged.Repository, template.Repository);
        merged.Description = Either(merged.Description, template.Description);
        merged.Acceptance = Either(merged.Acceptance, template.Acceptance);
        merged.Vendor = Either(merged.Vendor, template.Vendor);
        merged.Model = Either(merged.Model, template.Model);
        merged.BackupVendor = Either(merged.BackupVendor, template.BackupVendor);
        merged.BackupModel = Either(merged.BackupModel, template.BackupModel);
        if (merged.Priority == 0)
        {
            merged.Priority = template.Priority;
        }

        merged.TurnLimit ??= template.TurnLimit?.Clone();
        if (merged.BillingMode == BillingMode.Unspecified)
        {
            merged.BillingMode = template.BillingMode;
        }

        if (merged.DeliveryFlow == DeliveryFlow.Unspecified)
        {
            merged.DeliveryFlow = template.DeliveryFlow;
        }

        merged.SkipVerification |= template.SkipVerification;
        if (merged.Labels.Count == 0)
        {
            merged.Labels.AddRange(template.Labels);
        }

        if (merged.AllowedTools.Count == 0)
        {
            merged.AllowedTools.AddRange(template.AllowedTools);
        }

        return merged;
    }

    private static string Either(string requested, string preset) => requested.Length > 0 ? requested : preset;
}
