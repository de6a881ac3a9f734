using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Mesh;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Agents;

public static class AgentCliHosting
{
    /// <summary>
    /// Makes the host a vendor sidecar for an agent CLI: the mesh worker with <see cref="AgentCliHandler"/>, the
    /// <c>Agent</c> settings, the prompts, and <typeparamref name="TCli"/> (registered as a singleton; the vendor adds
    /// what it needs, such as its options), the clock and the sidecar's <see cref="SidecarEnvironment"/> for the CLI to
    /// take its keys from. Its <see cref="AgentCliDescription"/> fills the Hello: the models (unless
    /// <c>Worker:Models</c> is configured), whether it resumes sessions and whether it reports cost.
    /// </summary>
    /// <param name="builder">The host being built.</param>
    /// <param name="vendor">The vendor id, fixed by the executable.</param>
    public static IHostApplicationBuilder AddAgentCliWorker<TCli>(this IHostApplicationBuilder builder, string vendor)
        where TCli : class, IAgentCli
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddMeshWorker<AgentCliHandler>(WorkerKind.Vendor, vendor);
        var services = builder.Services;
        services.AddOptions<AgentCliOptions>()
            .Bind(builder.Configuration.GetSection(AgentCliOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IAgentCli, TCli>();
        services.TryAddSingleton<AgentPrompts>();
        services.TryAddSingleton(_ => SidecarEnvironment.FromProcess());
        services.AddSingleton<IPostConfigureOptions<WorkerOptions>, DescribedWorker>();
        // The run folders and the repository maps grow with the tasks too: the workspace cleanup ages them out.
        services.PostConfigure<WorkerOptions>(options =>
        {
            foreach (var folder in new[] { AgentAttempt.RunsFolder, AgentAttempt.MapsFolder }.Except(options.Cleanup.CacheFolders, StringComparer.Ordinal))
            {
                options.Cleanup.CacheFolders.Add(folder);
            }
        });
        return builder;
    }

    /// <summary>
    /// <see cref="AddAgentCliWorker{TCli}"/> plus the vendor's own settings, <typeparamref name="TOptions"/> bound from
    /// <paramref name="section"/> and validated at start-up (data annotations and <c>IValidatableObject</c>).
    /// </summary>
    public static IHostApplicationBuilder AddAgentCliWorker<TCli, TOptions>(this IHostApplicationBuilder builder, string vendor, string section)
        where TCli : class, IAgentCli
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder.AddAgentCliWorker<TCli>(vendor);
    }

    // Runs after the kit's own defaults (registered earlier): what the CLI says about itself goes into the Hello.
    private sealed class DescribedWorker(IAgentCli cli) : IPostConfigureOptions<WorkerOptions>
    {
        public void PostConfigure(string? name, WorkerOptions options)
        {
            var description = cli.Description;
            options.ResumesSessions = description.ResumesSessions;
            options.ReportsCost = description.ReportsCost;
            if (options.Models.Count == 0)
            {
                foreach (var model in description.Models)
                {
                    options.Models.Add(model);
                }
            }
        }
    }
}
