using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.ClaudeCode;

/// <summary>
/// What the settings of every sidecar that runs Claude Code say (the claude and glm sidecars): the kit's
/// <see cref="AgentCliSettings"/> with <c>claude</c> as the CLI, the model for work that names none, and the profile
/// the CLI runs with. A sidecar adds what only it has (GLM: the endpoint, key variable and prices).
/// </summary>
public abstract class ClaudeCodeSettings : AgentCliSettings
{
    private readonly string _vendor;

    /// <param name="vendor">The vendor id the sidecar registers with.</param>
    /// <param name="section">The configuration section, for messages.</param>
    /// <param name="defaultBillingMode">The billing mode when none is configured.</param>
    /// <param name="defaultModels">The models offered when none are configured.</param>
    /// <param name="defaultModel">The model for work that names none when none is configured; null leaves it to the CLI.</param>
    protected ClaudeCodeSettings(string vendor, string section, BillingMode defaultBillingMode, IReadOnlyList<string> defaultModels, string? defaultModel)
        : base(section, "claude", defaultBillingMode, defaultModels)
    {
        _vendor = vendor;
        DefaultModel = defaultModel;
    }

    /// <summary>The model when the work names none; empty leaves the choice to the CLI.</summary>
    public string? DefaultModel { get; set; }

    /// <summary>The profile Claude Code runs with.</summary>
    public virtual ClaudeCodeProfile ToProfile() => new()
    {
        Vendor = _vendor,
        CliPath = CliPath,
        Models = OfferedModels,
        DefaultModel = string.IsNullOrWhiteSpace(DefaultModel) ? null : DefaultModel,
        DefaultBillingMode = DefaultBillingMode,
    };
}
