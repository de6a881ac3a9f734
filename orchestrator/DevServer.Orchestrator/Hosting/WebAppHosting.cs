using System.Net;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace DevServer.Orchestrator.Hosting;

/// <summary>
/// The dashboard (<c>web/dist</c>) from the same origin as gRPC-Web, so the browser needs no CORS. Only requests no
/// endpoint claimed are touched: every gRPC and gRPC-Web call is routed to its endpoint before these middlewares run
/// and passes through them unchanged.
/// </summary>
internal static partial class WebAppHosting
{
    /// <summary>Vite names everything under assets/ by content hash: a changed file is a new URL.</summary>
    private const string AssetsCache = "public, max-age=31536000, immutable";

    /// <summary>
    /// xterm.js themes its terminal through a &lt;style&gt; element it creates, hence 'unsafe-inline' for styles only;
    /// the favicon is a <c>data:</c> URL. Scripts and calls stay on this origin.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Precompressed siblings, best first; served only when a build wrote them and the browser accepts them.</summary>
    private static readonly (string Encoding, string Suffix)[] Precompressed = [("br", ".br"), ("gzip", ".gz")];

    /// <summary>Serves the dashboard found as <see cref="WebAppOptions"/> say, or a page saying how to build it.</summary>
    public static WebApplication MapDashboard(this WebApplication app) => app.MapDashboard(AppContext.BaseDirectory);

    /// <summary>As <see cref="MapDashboard(WebApplication)"/>, resolving the default folders from <paramref name="baseDirectory"/>.</summary>
    internal static WebApplication MapDashboard(this WebApplication app, string baseDirectory)
    {
        var options = app.Configuration.GetSection(WebAppOptions.Section).Get<WebAppOptions>() ?? new WebAppOptions();
        var dist = options.ResolveDistFolder(baseDirectory);
        app.Use(TakeUnclaimedReads);
        if (dist is null)
        {
            var looked = WebAppOptions.Candidates(baseDirectory).ToList();
            LogNotBuilt(app.Logger, string.Join(", ", looked));
            var page = NotBuiltPage(looked);
            app.Use((context, next) => IsPageRequest(context) ? WriteNotBuiltAsync(context, page) : next(context));
            return app;
        }

        LogServing(app.Logger, dist);
        var files = new PhysicalFileProvider(dist);
        app.Lifetime.ApplicationStopped.Register(files.Dispose);
        app.Use((context, next) =>
        {
            if (IsUnclaimedRead(context))
            {
                ChooseFile(context, files);
            }

            return next(context);
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = new PrecompressedContentTypes(),
            OnPrepareResponse = PrepareResponse,
        });
        return app;
    }

    /// <summary>A GET or HEAD that no gRPC endpoint took: the dashboard's to answer.</summary>
    private static bool IsUnclaimedRead(HttpContext context) =>
        context.GetEndpoint() is null && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method));

    /// <summary>
    /// Routing answers a GET to a two-segment path such as <c>/assets/x.js</c> with its "405 method not supported"
    /// endpoint, because the gRPC routes (POST only) match the shape. That endpoint is no route of ours (not a
    /// <see cref="RouteEndpoint"/>): drop it so the read falls to the dashboard.
    /// </summary>
    private static void ReleaseMethodRejection(HttpContext context)
    {
        if (context.GetEndpoint() is { } endpoint and not RouteEndpoint
            && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            context.SetEndpoint(null);
        }
    }

    /// <summary>An unclaimed read of a page rather than a file: the last segment has no extension.</summary>
    private static bool IsPageRequest(HttpContext context) =>
        IsUnclaimedRead(context) && !Path.HasExtension(context.Request.Path.Value ?? "/");

    /// <summary>Claims the reads no gRPC endpoint took, with the headers every page and file of the dashboard carries.</summary>
    private static Task TakeUnclaimedReads(HttpContext context, RequestDelegate next)
    {
        ReleaseMethodRejection(context);
        if (IsUnclaimedRead(context))
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers["Referrer-Policy"] = "no-referrer";
        }

        return next(context);
    }

    /// <summary>
    /// Rewrites the path to the file to send: index.html for a client-side route (a path without extension that is no
    /// file), or a precompressed sibling the browser accepts. The static file middleware then sends it with ETag,
    /// ranges and 304s.
    /// </summary>
    private static void ChooseFile(HttpContext context, PhysicalFileProvider files)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path.EndsWith('/') || (!Path.HasExtension(path) && !files.GetFileInfo(path).Exists))
        {
            context.Request.Path = "/" + WebAppOptions.IndexFile;
            return;
        }

        var present = Precompressed.Where(p => files.GetFileInfo(path + p.Suffix).Exists).ToList();
        if (present.Count == 0 || !files.GetFileInfo(path).Exists)
        {
            return;
        }

        // Caches must keep the variants apart, whichever one this request gets.
        context.Response.Headers.Vary = HeaderNames.AcceptEncoding;
        var accepted = context.Request.GetTypedHeaders().AcceptEncoding
            .Where(value => value.Quality is not 0)
            .Select(value => value.Value.Value)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (present.FirstOrDefault(p => accepted.Contains(p.Encoding)) is { Suffix: not null } chosen)
        {
            context.Request.Path = path + chosen.Suffix;
        }
    }

    private static void PrepareResponse(StaticFileResponseContext file)
    {
        var request = file.Context.Request;
        var headers = file.Context.Response.Headers;
        headers.CacheControl = request.Path.StartsWithSegments("/assets", StringComparison.Ordinal) ? AssetsCache : "no-cache";
        if (Precompressed.FirstOrDefault(p => file.File.Name.EndsWith(p.Suffix, StringComparison.Ordinal)) is { Encoding: not null } encoded)
        {
            headers.ContentEncoding = encoded.Encoding;
        }
    }

    private static Task WriteNotBuiltAsync(HttpContext context, string page)
    {
        // Not cached: the next request after a build must see the dashboard.
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(page, context.RequestAborted);
    }

    private static string NotBuiltPage(IEnumerable<string> looked) =>
        $"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>DevServer: the dashboard is not built</title></head>
        <body>
        <h1>The dashboard is not built</h1>
        <p>The orchestrator is running (gRPC-Web answers on this port), but it found no built dashboard. Build it from the repository's root:</p>
        <pre>cd web
        npm ci
        npm run build</pre>
        <p>then restart the orchestrator (it looks for the build when it starts). Or point
        <code>{WebAppOptions.Section}:DistPath</code> at a folder that holds the build's <code>{WebAppOptions.IndexFile}</code>.</p>
        <p>Looked in:</p>
        <ul>{string.Concat(looked.Select(folder => $"<li><code>{WebUtility.HtmlEncode(folder)}</code></li>"))}</ul>
        </body>
        </html>
        """;

    [LoggerMessage(1, LogLevel.Information, "Dashboard: serving {DistFolder}")]
    private static partial void LogServing(ILogger logger, string distFolder);

    [LoggerMessage(2, LogLevel.Warning, "Dashboard not built: no index.html in {Folders}; build it with `cd web && npm ci && npm run build` or set Orchestrator:Web:DistPath")]
    private static partial void LogNotBuilt(ILogger logger, string folders);

    /// <summary>Content types by the original name, so <c>index-x.js.br</c> is sent as JavaScript (encoded as br).</summary>
    private sealed class PrecompressedContentTypes : IContentTypeProvider
    {
        private readonly FileExtensionContentTypeProvider _types = new()
        {
            Mappings = { [".map"] = "application/json" },
        };

        public bool TryGetContentType(string subpath, out string contentType)
        {
            var original = Precompressed.FirstOrDefault(p => subpath.EndsWith(p.Suffix, StringComparison.Ordinal)) is { Suffix: { } suffix }
                ? subpath[..^suffix.Length]
                : subpath;
            if (_types.TryGetContentType(original, out var type))
            {
                contentType = type;
                return true;
            }

            contentType = "";
            return false;
        }
    }
}
