using System.ComponentModel.DataAnnotations;
using DevServer.Contracts.Work.V1;

namespace DevServer.Vendors.Core.Agents;

/// <summary>
/// What every agent-CLI sidecar's own settings section says, whatever the vendor: which CLI, the models it offers and
/// who pays when an assignment does not say. A vendor's options derive from it and add what only that vendor has.
/// </summary>
public abstract class AgentCliSettings : IValidatableObject
{
    private readonly string _section;
    private readonly IReadOnlyList<string> _defaultModels;

    /// <param name="section">The configuration section, for messages.</param>
    /// <param name="cliPath">The CLI when none is configured.</param>
    /// <param name="defaultBillingMode">The billing mode when none is configured.</param>
    /// <param name="defaultModels">The models offered when none are configured.</param>
    protected AgentCliSettings(string section, string cliPath, BillingMode defaultBillingMode, IReadOnlyList<string> defaultModels)
    {
        _section = section;
        _defaultModels = defaultModels;
        CliPath = cliPath;
        DefaultBillingMode = defaultBillingMode;
    }

    /// <summary>The CLI: a name looked up in PATH, or a path.</summary>
    [Required(AllowEmptyStrings = false)]
    public string CliPath { get; set; }

    /// <summary>The models the sidecar offers; empty means the vendor's defaults (<see cref="OfferedModels"/>).</summary>
    public IList<string> Models { get; set; } = [];

    /// <summary>Who pays when an assignment does not say: the key in the sidecar's environment, or the CLI's own login.</summary>
    public BillingMode DefaultBillingMode { get; set; }

    /// <summary>The configured models, else the vendor's defaults.</summary>
    public IReadOnlyList<string> OfferedModels => Models.Count > 0 ? [.. Models] : _defaultModels;

    /// <summary>The run's billing mode, or the default when the run leaves it unspecified.</summary>
    public BillingMode BillingOf(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.BillingMode == BillingMode.Unspecified ? DefaultBillingMode : run.BillingMode;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultBillingMode == BillingMode.Unspecified)
        {
            yield return new ValidationResult($"{_section}:DefaultBillingMode must be ApiKey or Subscription.", [nameof(DefaultBillingMode)]);
        }
    }
}
