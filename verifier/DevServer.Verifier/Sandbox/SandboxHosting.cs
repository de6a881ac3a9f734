using DevServer.Contracts;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Mesh;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Verifier.Sandbox;

internal static class SandboxHosting
{
    /// <summary>
    /// The stages' sandbox: <see cref="SandboxOptions"/> (section <c>Verifier:Sandbox</c>, validated at start), the
    /// <see cref="StageSandbox"/> the handler runs stages in, and <see cref="SandboxStartup"/>, which refuses to start
    /// when bubblewrap is asked for and cannot make a sandbox. Call it before the mesh worker, so that the check runs
    /// before the worker connects and takes work.
    /// </summary>
    public static IHostApplicationBuilder AddStageSandbox(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SandboxOptions>().BindConfiguration(SandboxOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SandboxOptions>, SandboxOptions.Validation>();
        builder.Services.AddSingleton(services =>
        {
            var worker = services.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var environment = services.GetRequiredService<IHostEnvironment>();
            return StageSandbox.Create(
                services.GetRequiredService<IOptions<SandboxOptions>>().Value,
                services.GetRequiredService<Workspace>().Root,
                WorkerPaths(worker, environment));
        });
        builder.Services.AddHostedService<SandboxStartup>();
        return builder;
    }

    /// <summary>
    /// What of the worker's own a stage must not read: the data directory (tokens, the embedded database and the default
    /// workspaces of a local installation), the worker token file wherever it is, and the verifier's settings files
    /// (they may hold <c>Worker:Token</c>). Its environment is scrubbed already, and its command line is in a /proc the
    /// sandbox does not see.
    /// </summary>
    internal static IEnumerable<string> WorkerPaths(WorkerOptions worker, IHostEnvironment environment)
    {
        yield return LocalInstallation.DefaultDataDirectory();
        if (!string.IsNullOrWhiteSpace(worker.TokenFile))
        {
            yield return worker.TokenFile;
        }

        if (Directory.Exists(environment.ContentRootPath))
        {
            foreach (var settings in Directory.EnumerateFiles(environment.ContentRootPath, "appsettings*.json"))
            {
                yield return settings;
            }
        }
    }
}
