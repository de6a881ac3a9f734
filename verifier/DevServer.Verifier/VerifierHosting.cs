using DevServer.Contracts.Mesh.V1;
using DevServer.Verifier.Sandbox;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Mesh;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Verifier;

internal static class VerifierHosting
{
    /// <summary>
    /// The mesh connection with <see cref="VerificationHandler"/>, working in the worker's workspace root, whose cleanup
    /// also ages out the cached baseline outcomes (<see cref="BaselineChecks.Folder"/>), and the stages' sandbox
    /// (<c>Verifier:Sandbox</c>, checked before the worker connects).
    /// </summary>
    public static IHostApplicationBuilder AddVerifier(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services =>
            new Workspace(services.GetRequiredService<IOptions<WorkerOptions>>().Value.WorkspaceRoot
                ?? throw new InvalidOperationException($"{WorkerOptions.Section}:WorkspaceRoot is not set.")));
        builder.AddStageSandbox();
        builder.AddMeshWorker<VerificationHandler>(WorkerKind.Verifier);
        builder.Services.PostConfigure<WorkerOptions>(options =>
        {
            if (!options.Cleanup.CacheFolders.Contains(BaselineChecks.Folder))
            {
                options.Cleanup.CacheFolders.Add(BaselineChecks.Folder);
            }
        });
        return builder;
    }
}
