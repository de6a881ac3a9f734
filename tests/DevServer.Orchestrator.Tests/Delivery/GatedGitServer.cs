using System.Collections.Concurrent;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DevServer.Orchestrator.Tests.Delivery;

/// <summary>
/// A bare repository served over git's "dumb" HTTP protocol (its files as they are, after
/// <c>git update-server-info</c>) on loopback, holding every request until the test opens the gate: a remote whose
/// first clone takes as long as the test wants. It records whether a held request was given up by its client
/// (delivery stopped its git). Given the <c>Authorization</c> header it requires, it answers any other with 401, as a
/// private repository of a forge does; it records every header it got.
/// </summary>
internal sealed class GatedGitServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _abandoned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _authorizations = new();

    private GatedGitServer(WebApplication app) => _app = app;

    /// <summary>The clone URL of the repository.</summary>
    public string Location { get; private set; } = "";

    /// <summary>Completes when the first request arrives (and is held).</summary>
    public Task FirstRequest => _firstRequest.Task;

    /// <summary>Completes when a client disconnects while its request is held.</summary>
    public Task Abandoned => _abandoned.Task;

    /// <summary>The <c>Authorization</c> header of every request (empty when there was none), in arrival order.</summary>
    public IReadOnlyList<string> Authorizations => [.. _authorizations];

    public static async Task<GatedGitServer> StartAsync(string bareRepository, CancellationToken cancellationToken, string? requiredAuthorization = null)
    {
        var root = Path.GetFullPath(bareRepository) + Path.DirectorySeparatorChar;
        var builder = LoopbackHost.CreateBuilder(TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var server = new GatedGitServer(app);
        app.MapGet("/repository.git/{**path}", async (HttpContext http, string path) =>
        {
            server._firstRequest.TrySetResult();
            var authorization = http.Request.Headers.Authorization.ToString();
            server._authorizations.Enqueue(authorization);
            try
            {
                await server._gate.Task.WaitAsync(http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                server._abandoned.TrySetResult();
                return Results.Empty;
            }

            if (requiredAuthorization is not null && authorization != requiredAuthorization)
            {
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"repository\"";
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }

            var file = Path.GetFullPath(Path.Combine(root, path));
            return file.StartsWith(root, StringComparison.Ordinal) && File.Exists(file)
                ? Results.Bytes(await File.ReadAllBytesAsync(file, http.RequestAborted), "application/octet-stream")
                : Results.NotFound();
        });
        var addresses = await app.StartOnLoopbackAsync(cancellationToken);
        server.Location = new Uri(addresses.Http1, "/repository.git").ToString();
        return server;
    }

    /// <summary>Lets every held and later request through.</summary>
    public void Open() => _gate.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Open();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
