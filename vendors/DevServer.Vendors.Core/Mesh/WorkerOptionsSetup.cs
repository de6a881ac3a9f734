using System.Text.RegularExpressions;
using DevServer.Contracts;
using DevServer.Contracts.Mesh.V1;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// Runs after configuration binding: applies what the executable fixed (kind, vendor), then fills in the defaults
/// that depend on other settings (the name on the vendor, the workspace on the name).
/// </summary>
internal sealed class WorkerDefaults(WorkerKind? fixedKind, string? fixedVendor) : IPostConfigureOptions<WorkerOptions>
{
    public void PostConfigure(string? name, WorkerOptions options)
    {
        if (fixedKind is { } kind)
        {
            options.Kind = kind;
        }

        if (fixedVendor is not null)
        {
            options.Vendor = fixedVendor;
        }

        var dataDirectory = LocalInstallation.DefaultDataDirectory();
        if (string.IsNullOrWhiteSpace(options.TokenFile))
        {
            options.TokenFile = Path.Combine(dataDirectory, LocalInstallation.WorkerTokenFileName);
        }

        if (string.IsNullOrWhiteSpace(options.Name))
        {
            var role = options.Kind == WorkerKind.Verifier ? "verifier" : options.Vendor;
            options.Name = string.IsNullOrEmpty(role) ? Environment.MachineName : $"{Environment.MachineName}-{role}";
        }

        if (string.IsNullOrWhiteSpace(options.WorkspaceRoot))
        {
            options.WorkspaceRoot = Path.Combine(dataDirectory, "workspaces", options.Name);
        }
    }
}

/// <summary>Checks the settings at start-up, naming each bad one, so a worker never connects with values the orchestrator would refuse.</summary>
internal sealed partial class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public const int MaxCapacity = 64;

    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var errors = new List<string>();
        var address = options.OrchestratorAddress;
        if (address is null || !address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{WorkerOptions.Section}:OrchestratorAddress '{address}' must be an absolute http:// or https:// URI.");
        }

        if (string.IsNullOrWhiteSpace(options.Token) && string.IsNullOrWhiteSpace(options.TokenFile))
        {
            errors.Add($"{WorkerOptions.Section}: set Token or TokenFile.");
        }

        if (options.Name is not { Length: >= 1 and <= 128 })
        {
            errors.Add($"{WorkerOptions.Section}:Name must have 1 to 128 characters.");
        }

        switch (options.Kind)
        {
            case WorkerKind.Vendor when options.Vendor is null || !VendorId().IsMatch(options.Vendor):
                errors.Add($"{WorkerOptions.Section}:Vendor '{options.Vendor}' must be 1 to 64 lowercase letters, digits or '-'.");
                break;
            case WorkerKind.Vendor:
                break;
            case WorkerKind.Verifier when options.Models.Count > 0:
                errors.Add($"{WorkerOptions.Section}:Models is for vendor sidecars; a verifier runs no model.");
                break;
            case WorkerKind.Verifier:
                break;
            default:
                errors.Add($"{WorkerOptions.Section}:Kind must be Vendor or Verifier.");
                break;
        }

        if (options.Models.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{WorkerOptions.Section}:Models must not contain empty names.");
        }

        if (options.Account is { } account && (account.Length > 128 || account.Any(char.IsControl)))
        {
            errors.Add($"{WorkerOptions.Section}:Account must have at most 128 characters and no control characters.");
        }

        if (options.Capacity is < 1 or > MaxCapacity)
        {
            errors.Add($"{WorkerOptions.Section}:Capacity {options.Capacity} must be between 1 and {MaxCapacity}.");
        }

        if (string.IsNullOrWhiteSpace(options.WorkspaceRoot) || !Path.IsPathFullyQualified(options.WorkspaceRoot))
        {
            errors.Add($"{WorkerOptions.Section}:WorkspaceRoot '{options.WorkspaceRoot}' must be an absolute path.");
        }

        errors.AddRange(options.Cleanup.Problems($"{WorkerOptions.Section}:Cleanup"));

        var delay = options.ReconnectDelay;
        if (delay.Min <= TimeSpan.Zero || delay.Max < delay.Min)
        {
            errors.Add($"{WorkerOptions.Section}:ReconnectDelay needs 0 < Min ({delay.Min}) <= Max ({delay.Max}).");
        }

        if (options.WelcomeTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{WorkerOptions.Section}:WelcomeTimeout must be positive.");
        }

        if (options.ShutdownGrace < TimeSpan.Zero)
        {
            errors.Add($"{WorkerOptions.Section}:ShutdownGrace must not be negative.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[a-z0-9-]{1,64}$")]
    private static partial Regex VendorId();
}
