using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace DevServer.Delivery.Forges;

/// <summary>A forge's response, read whole (a JSON document or nothing), or the transport failure that replaced it.</summary>
internal sealed record ForgeResponse(HttpStatusCode? Status, JsonElement? Json, string Error)
{
    public bool IsSuccess => Status is { } s && (int)s is >= 200 and < 300;
}

/// <summary>
/// The HTTP plumbing both forge clients share: one request with its auth headers, a per-request timeout, the response
/// body as JSON, and the mapping of failures to <see cref="ForgeStatus"/>. Tokens live only in the Authorization
/// header; every message taken from a response is scrubbed of the token before it leaves.
/// </summary>
internal sealed class ForgeHttp(HttpClient http, Uri apiRoot, string token, TimeSpan timeout, Action<HttpRequestHeaders> addHeaders)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<ForgeResponse> SendAsync(HttpMethod method, string pathAndQuery, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(apiRoot.AbsoluteUri.TrimEnd('/') + pathAndQuery));
        addHeaders(request.Headers);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json");
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeoutSource.Token);
            var text = await response.Content.ReadAsStringAsync(timeoutSource.Token);
            JsonElement? json = null;
            if (text.Length > 0)
            {
                try
                {
                    json = JsonDocument.Parse(text).RootElement.Clone();
                }
                catch (JsonException)
                {
                    // A proxy's HTML error page: the status code still tells what happened.
                }
            }

            return new ForgeResponse(response.StatusCode, json, string.Empty);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ForgeResponse(null, null, $"The forge did not answer within {timeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException exception)
        {
            return new ForgeResponse(null, null, Scrub($"The forge could not be reached: {exception.Message}"));
        }
    }

    /// <summary>The outcome for a failed response: 401/403 auth, 404 not found, 409 conflict, 400/422 validation, the rest transient.</summary>
    public ForgeOutcome Failure(ForgeResponse response, string doing)
    {
        if (response.Status is not { } status)
        {
            return new ForgeOutcome(ForgeStatus.Transient, null, $"{doing}: {response.Error}");
        }

        var code = (int)status;
        var kind = code switch
        {
            401 or 403 => ForgeStatus.AuthFailed,
            404 => ForgeStatus.NotFound,
            409 => ForgeStatus.Conflict,
            400 or 422 => ForgeStatus.Validation,
            _ => ForgeStatus.Transient,
        };
        return new ForgeOutcome(kind, null, $"{doing}: HTTP {code} {Message(response)}".TrimEnd(), code);
    }

    /// <summary>The forge's "message", plus GitHub's "errors[].message" details.</summary>
    public string Message(ForgeResponse response)
    {
        if (response.Json is not { ValueKind: JsonValueKind.Object } json)
        {
            return string.Empty;
        }

        var parts = new List<string>();
        if (json.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
        {
            parts.Add(message.GetString()!);
        }

        if (json.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
        {
            foreach (var error in errors.EnumerateArray())
            {
                if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var detail) && detail.ValueKind == JsonValueKind.String)
                {
                    parts.Add(detail.GetString()!);
                }
            }
        }

        return Scrub(string.Join(": ", parts));
    }

    public static PullRequestInfo ReadPullRequest(JsonElement json) =>
        new(json.GetProperty("number").GetInt64(), json.TryGetProperty("html_url", out var url) ? url.GetString() ?? string.Empty : string.Empty);

    public static string? Text(JsonElement json, string property) =>
        json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static string? HeadRef(JsonElement json) =>
        json.TryGetProperty("head", out var head) && head.ValueKind == JsonValueKind.Object ? Text(head, "ref") : null;

    /// <summary>The pull request of a listing (a JSON array) whose head branch is <paramref name="head"/>, if any.</summary>
    public static JsonElement? FindByHead(JsonElement list, string head) =>
        list.EnumerateArray().Where(pull => HeadRef(pull) == head).Select(pull => (JsonElement?)pull).FirstOrDefault();

    public static string Segment(string value) => Uri.EscapeDataString(value);

    private string Scrub(string text) => token.Length == 0 ? text : text.Replace(token, "***", StringComparison.Ordinal);
}
