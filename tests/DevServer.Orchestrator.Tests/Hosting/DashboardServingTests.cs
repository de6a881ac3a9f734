using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Rpc.Client;
using Rpc.Health.V1;
using Rpc.Wire;
using HealthClient = Rpc.Health.V1.Health.HealthClient;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>The built dashboard served from the gRPC-Web port, with a dist folder written by the test.</summary>
public sealed class DashboardServingTests : IAsyncLifetime
{
    private const int TimeoutMs = 60_000;
    private const string Index = "<!doctype html><html><head><script type=\"module\" src=\"./assets/index-Ab12.js\"></script></head><body><div id=\"app\"></div></body></html>";
    private const string Script = "console.log('the dashboard');";
    private const string Compressible = "export const words = 'the same words again and again and again and again';";

    private readonly TestDirectory _dist = new();
    private DashboardHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        Write("index.html", Index);
        Write("assets/index-Ab12.js", Script);
        Write("assets/index-Cd34.css", "body { margin: 0 }");
        Write("assets/chart-Ef56.js", Compressible);
        await File.WriteAllBytesAsync(Path.Combine(_dist.Path, "assets/chart-Ef56.js.gz"), Gzip(Compressible), TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(_dist.Path, "assets/chart-Ef56.js.br"), Brotli(Compressible), TestContext.Current.CancellationToken);
        _host = await DashboardHost.StartAsync(_dist.Path, _dist.Path, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _dist.Dispose();
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Get_Root_ServesIndexUncachedWithSecurityHeaders()
    {
        using var response = await _host.Http.GetAsync("/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Index, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        var policy = Header(response, "Content-Security-Policy");
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Get_HashedAsset_CachedForAYearAsImmutable()
    {
        using var response = await _host.Http.GetAsync("/assets/index-Ab12.js", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Script, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", Header(response, "Cache-Control"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("/tasks/12")]
    [InlineData("/settings")]
    [InlineData("/assets")]
    public async Task Get_ClientSideRoute_FallsBackToIndex(string path)
    {
        using var response = await _host.Http.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Index, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(response.Headers.CacheControl?.NoCache, $"Cache-Control: {response.Headers.CacheControl}");
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("/assets/index-Gone.js")]
    [InlineData("/robots.txt")]
    [InlineData("/../index.html.bak")]
    public async Task Get_MissingFile_NotFoundRatherThanIndex(string path)
    {
        using var response = await _host.Http.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Get_UnchangedIndexWithItsETag_NotModified()
    {
        var ct = TestContext.Current.CancellationToken;
        using var first = await _host.Http.GetAsync("/", ct);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/tasks/3");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag ?? throw new InvalidOperationException("No ETag on index.html."));

        using var response = await _host.Http.SendAsync(again, ct);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, br", "br")]
    [InlineData("br;q=0, gzip", "gzip")]
    public async Task Get_AssetWithPrecompressedSiblings_SendsTheAcceptedEncoding(string accept, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/assets/chart-Ef56.js");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", accept);

        using var response = await _host.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([expected], response.Content.Headers.ContentEncoding);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        Assert.Equal("public, max-age=31536000, immutable", Header(response, "Cache-Control"));
        Assert.Equal(Compressible, Decompress(expected, body));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Get_AssetWithoutAcceptEncoding_SendsTheOriginal()
    {
        using var response = await _host.Http.GetAsync("/assets/chart-Ef56.js", TestContext.Current.CancellationToken);

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        Assert.Equal(Compressible, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GrpcWebCall_SamePortAsTheDashboard_StillAnswersWithoutPageHeaders()
    {
        var ct = TestContext.Current.CancellationToken;
        using var channel = RpcChannel.ForAddress(_host.WebAddress, new RpcChannelOptions { WireFormat = GrpcWireFormat.Web });

        var reply = await new HealthClient(channel).CheckAsync(new HealthCheckRequest(), cancellationToken: ct);
        using var unknown = new HttpRequestMessage(HttpMethod.Post, "/devserver.nothing.v1.Nothing/Call")
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]) { Headers = { ContentType = new MediaTypeHeaderValue("application/grpc-web") } },
        };
        using var unimplemented = await _host.Http.SendAsync(unknown, ct);

        Assert.Equal(ServingStatus.Serving, reply.Status);
        Assert.Equal(HttpStatusCode.OK, unimplemented.StatusCode);
        Assert.Equal("12", Header(unimplemented, "grpc-status"));
        Assert.False(unimplemented.Headers.Contains("Content-Security-Policy"), "A gRPC-Web answer got the page headers.");
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Post_PlainRequestToAPage_NotFoundAsBefore()
    {
        using var response = await _host.Http.PostAsync("/tasks/12", new StringContent("x"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact(Timeout = TimeoutMs)]
    public void Start_ServingABuild_LogsNoWarning() =>
        Assert.DoesNotContain(_host.Logs.Entries, entry => entry.Level >= LogLevel.Warning);

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : "";

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_dist.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    private static byte[] Brotli(string text)
    {
        using var buffer = new MemoryStream();
        using (var brotli = new BrotliStream(buffer, CompressionLevel.Optimal))
        {
            brotli.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    private static string Decompress(string encoding, byte[] body)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(decoder, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
