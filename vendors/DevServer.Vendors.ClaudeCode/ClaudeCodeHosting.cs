using DevServer.Vendors.Core.Agents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.ClaudeCode;

public static class ClaudeCodeHosting
{
    /// <summary>
    /// Makes the host a sidecar that runs Claude Code: the sidecar's settings (<typeparamref name="TOptions"/>, bound
    /// from <paramref name="section"/> and validated at start-up), Claude Code as the agent CLI with the profile they
    /// give, and the kit's agent-CLI worker. The claude and glm sidecars differ only in their settings.
    /// </summary>
    public static IHostApplicationBuilder AddClaudeCodeWorker<TOptions>(this IHostApplicationBuilder builder, string vendor, string section)
        where TOptions : ClaudeCodeSettings
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IAgentCli>(provider => new ClaudeCodeCli(
            provider.GetRequiredService<IOptions<TOptions>>().Value.ToProfile(), provider.GetRequiredService<SidecarEnvironment>()));
        return builder.AddAgentCliWorker<ClaudeCodeCli, TOptions>(vendor, section);
    }
}
