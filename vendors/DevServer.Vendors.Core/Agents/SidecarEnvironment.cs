using System.Collections;
using DevServer.Contracts.Work.V1;

namespace DevServer.Vendors.Core.Agents;

/// <summary>
/// The sidecar's own environment, read once at start-up: where a vendor's keys and tokens come from. A value, so
/// building a command stays pure and tests give exactly the variables they mean. The CLI never sees it whole: the kit
/// starts the CLI from a scrubbed base, and the vendor passes on only what the run's billing mode asks for.
/// </summary>
public sealed class SidecarEnvironment(IReadOnlyDictionary<string, string> variables)
{
    /// <summary>Nothing set.</summary>
    public static SidecarEnvironment Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>The sidecar process's environment now.</summary>
    public static SidecarEnvironment FromProcess()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Value is string value)
            {
                variables[(string)entry.Key] = value;
            }
        }

        return new SidecarEnvironment(variables);
    }

    /// <summary>The variable's value, or null when it is unset or empty.</summary>
    public string? Get(string name) => variables.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>Copies those of <paramref name="names"/> that are set into <paramref name="environment"/>.</summary>
    public void Pass(IDictionary<string, string> environment, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            if (Get(name) is { } value)
            {
                environment[name] = value;
            }
        }
    }

    /// <summary>
    /// The billing rule of every agent CLI: API-key billing passes the key (and endpoint) variables, subscription
    /// billing passes none of them, only what the CLI's own login needs, so it cannot bill a key by mistake.
    /// </summary>
    /// <param name="environment">The CLI's environment being built.</param>
    /// <param name="billing">The run's billing mode.</param>
    /// <param name="apiKeyVariables">Passed for API-key billing.</param>
    /// <param name="subscriptionVariables">Passed for subscription billing (a login token); none by default.</param>
    public void PassForBilling(
        IDictionary<string, string> environment, BillingMode billing, IEnumerable<string> apiKeyVariables, IEnumerable<string>? subscriptionVariables = null)
    {
        ArgumentNullException.ThrowIfNull(apiKeyVariables);
        Pass(environment, billing switch
        {
            BillingMode.ApiKey => apiKeyVariables,
            BillingMode.Subscription => subscriptionVariables ?? [],
            _ => [],
        });
    }
}
