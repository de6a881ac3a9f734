using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Tasks;

namespace DevServer.Orchestrator.Delivery;

/// <summary>Delivery flows as stored (lowercase words; '' means "the repository's default", then patch only).</summary>
internal static class DeliveryFlows
{
    public const string PullRequest = "pull_request";
    public const string DirectCommit = "direct_commit";
    public const string Patch = "patch";

    /// <summary>The stored form of a requested flow; refuses values this version does not know.</summary>
    public static string ToStored(DeliveryFlow flow, string field) => flow switch
    {
        DeliveryFlow.Unspecified => "",
        DeliveryFlow.PullRequest => PullRequest,
        DeliveryFlow.DirectCommit => DirectCommit,
        DeliveryFlow.Patch => Patch,
        _ => throw TaskValidation.Invalid($"{field} must be DELIVERY_FLOW_PULL_REQUEST, DELIVERY_FLOW_DIRECT_COMMIT, DELIVERY_FLOW_PATCH or unspecified."),
    };

    public static DeliveryFlow FromStored(string stored) => stored switch
    {
        PullRequest => DeliveryFlow.PullRequest,
        DirectCommit => DeliveryFlow.DirectCommit,
        Patch => DeliveryFlow.Patch,
        _ => DeliveryFlow.Unspecified,
    };

    /// <summary>The flow a task uses: its own, else its repository's, else patch only (nothing leaves unasked).</summary>
    public static string Effective(string taskFlow, string repositoryFlow) =>
        taskFlow.Length > 0 ? taskFlow : repositoryFlow.Length > 0 ? repositoryFlow : Patch;
}
