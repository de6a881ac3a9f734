using System.Reflection;
using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Git;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Mesh;

public static class MeshWorkerHosting
{
    /// <summary>
    /// Makes the host a mesh worker: the <c>Worker</c> settings (validated at start-up), the handler (one instance
    /// for all assignments, called concurrently up to the capacity), the worker's <see cref="Workspace"/> at
    /// <c>Worker:WorkspaceRoot</c> for the handler to use, the connection to the orchestrator, which runs as a
    /// hosted service until the host stops, and the workspace's periodic cleanup (<c>Worker:Cleanup</c>), which
    /// spares what the assignments in progress use (<see cref="IAssignmentHandler.WorkspacePathsInUse"/>).
    /// </summary>
    /// <param name="builder">The host being built.</param>
    /// <param name="kind">Fixes the worker's kind, overriding <c>Worker:Kind</c> (an executable knows what it is).</param>
    /// <param name="vendor">Fixes the vendor id, overriding <c>Worker:Vendor</c>.</param>
    public static IHostApplicationBuilder AddMeshWorker<THandler>(this IHostApplicationBuilder builder, WorkerKind? kind = null, string? vendor = null)
        where THandler : class, IAssignmentHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<WorkerOptions>().Bind(builder.Configuration.GetSection(WorkerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<WorkerOptions>>(new WorkerDefaults(kind, vendor));
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.TryAddSingleton<IAssignmentHandler, THandler>();
        services.TryAddSingleton(provider => new Workspace(provider.GetRequiredService<IOptions<WorkerOptions>>().Value.WorkspaceRoot!));
        services.AddSingleton(new WorkerIdentity(Guid.NewGuid().ToString(), VersionOf(typeof(THandler).Assembly)));
        AddLogForwarding(builder);
        services.AddSingleton<WorkerHost>();
        services.AddHostedService(provider => provider.GetRequiredService<WorkerHost>());
        // The workspace's periodic cleanup asks the host which assignments it holds.
        services.AddHostedService<WorkspaceCleanupService>();
        return builder;
    }

    /// <summary>
    /// The worker's own entries (warnings and above unless <c>Worker:Logs:MinimumLevel</c> says otherwise) go up the mesh
    /// to the orchestrator's log. Read now rather than through options: the provider exists before options are validated.
    /// </summary>
    private static void AddLogForwarding(IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(LogForwardingOptions.Section).Get<LogForwardingOptions>() ?? new LogForwardingOptions();
        if (settings.Problem() is { } problem)
        {
            throw new OptionsValidationException(LogForwardingOptions.Section, typeof(LogForwardingOptions), [problem]);
        }

        var logs = new ForwardedLogs(settings.BufferCapacity);
        builder.Services.AddSingleton(logs);
        builder.Services.AddSingleton<ILoggerProvider>(services =>
            new MeshLoggerProvider(logs, settings.MinimumLevel, services.GetRequiredService<TimeProvider>()));
    }

    // The executable's version (the handler lives in it), without the source revision suffix.
    private static string VersionOf(Assembly assembly)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
