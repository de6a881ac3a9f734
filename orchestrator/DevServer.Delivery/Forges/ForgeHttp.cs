using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace DevServer.Delivery.Forges;

/// <summary>A forge's response, read whole (a JSON document or nothing), or the transport failure that replaced it.</summary>
internal sealed record ForgeResponse(HttpStatusCode? Status, JsonElement? Json, string Error)
{
    public bool IsSuccess => Status is { } s && (int)s is >= 200 and < 300;

    /// <summary>The start of the body as text (scrubbed), for answers that are not what the API promises.</summary>
    public string Excerpt { get; init; } = string.Empty;

    /// <summary>GitHub's <c>x-ratelimit-remaining: 0</c>: the token's primary rate limit is used up.</summary>
    public bool RateLimitExhausted { get; init; }

    /// <summary>When the forge says to come back: <c>Retry-After</c>, else <c>x-ratelimit-reset</c> against the response's date.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>
/// The HTTP plumbing both forge clients share: one request with its auth headers, a per-request timeout, the response
/// body as JSON, and the mapping of failures to <see cref="ForgeStatus"/>. Tokens live only in the Authorization
/// header; every message taken from a response is scrubbed of the token before it leaves.
/// </summary>
internal sealed class ForgeHttp(HttpClient http, Uri apiRoot, string token, TimeSpan timeout, Action<HttpRequestHeaders> addHeaders)
{
    private const int ExcerptLength = 200;

    // GitHub's advice for a secondary rate limit that names no time: wait at least a minute.
    private static readonly TimeSpan RateLimitDefaultWait = TimeSpan.FromMinutes(1);

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

            return new ForgeResponse(response.StatusCode, json, string.Empty)
            {
                Excerpt = Scrub(text.Length <= ExcerptLength ? text : text[..ExcerptLength] + "…"),
                RateLimitExhausted = Header(response, "x-ratelimit-remaining") == "0",
                RetryAfter = RetryAfter(response),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ForgeResponse(null, null, $"The forge did not answer within {timeout.TotalSeconds:0.#} s.");
        }
        catch (Exception exception) when (exception is HttpRequestException or SocketException or IOException)
        {
            // HttpClient wraps most connection failures in HttpRequestException, but not all: a connection reset right
            // after the connect surfaces as a bare SocketException (seen when the port was just reused by another
            // listener), and a body cut mid-read as an IOException. Each means the forge could not be reached.
            return new ForgeResponse(null, null, Scrub($"The forge could not be reached: {exception.Message}"));
        }
    }

    /// <summary>
    /// The outcome for a failed response: a rate limit (403 or 429 saying so) transient with the forge's wait, 401/403
    /// auth, 404 not found, 409 conflict, 400/422 validation, the rest transient.
    /// </summary>
    public ForgeOutcome Failure(ForgeResponse response, string doing)
    {
        if (response.Status is not { } status)
        {
            return new ForgeOutcome(ForgeStatus.Transient, null, $"{doing}: {response.Error}");
        }

        var code = (int)status;
        if (IsRateLimit(response))
        {
            // A used-up limit is no verdict on the token: the same request passes once the window resets.
            var wait = response.RetryAfter ?? RateLimitDefaultWait;
            return new ForgeOutcome(
                ForgeStatus.Transient,
                null,
                $"{doing}: HTTP {code}, rate limited (retry after {wait.TotalSeconds:0} s) {Message(response)}".TrimEnd(),
                code)
            { RetryAfter = wait };
        }

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

    /// <summary>The pull request in a forge's answer, or null when the answer has no positive integer <c>number</c>.</summary>
    public static PullRequestInfo? ReadPullRequest(JsonElement json) =>
        json.ValueKind == JsonValueKind.Object
        && json.TryGetProperty("number", out var number) && number.ValueKind == JsonValueKind.Number
        && number.TryGetInt64(out var value) && value > 0
            ? new PullRequestInfo(value, Text(json, "html_url") ?? string.Empty)
            : null;

    /// <summary>
    /// A 2xx answer without a readable pull request (not JSON, no integer <c>number</c>): a proxy or a forge version
    /// that says something else. Transient: find-or-create is safe to repeat (a pull request that was in fact opened
    /// is found by its branch next time), and the retry limit blocks the task if the forge keeps answering so.
    /// </summary>
    public static ForgeOutcome Unreadable(ForgeResponse response, string doing) =>
        new(
            ForgeStatus.Transient,
            null,
            $"{doing}: the forge answered HTTP {(int?)response.Status} without a readable pull request (no integer \"number\")"
            + (response.Excerpt.Length > 0 ? $": {response.Excerpt}" : string.Empty),
            (int?)response.Status);

    public static string? Text(JsonElement json, string property) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static string? HeadRef(JsonElement json) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty("head", out var head) && head.ValueKind == JsonValueKind.Object ? Text(head, "ref") : null;

    /// <summary>The pull request of a listing (a JSON array) whose head branch is <paramref name="head"/>, if any.</summary>
    public static JsonElement? FindByHead(JsonElement list, string head) =>
        list.EnumerateArray().Where(pull => HeadRef(pull) == head).Select(pull => (JsonElement?)pull).FirstOrDefault();

    public static string Segment(string value) => Uri.EscapeDataString(value);

    private string Scrub(string text) => token.Length == 0 ? text : text.Replace(token, "***", StringComparison.Ordinal);

    // GitHub answers a used-up primary limit with 403 or 429 and x-ratelimit-remaining: 0, a secondary limit with 403
    // or 429 and a message about a "secondary rate limit" (often with Retry-After). 403 otherwise means the token.
    private bool IsRateLimit(ForgeResponse response) =>
        response.Status is HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests
        && (response.RateLimitExhausted
            || response.RetryAfter is not null
            || Message(response).Contains("rate limit", StringComparison.OrdinalIgnoreCase));

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var now = response.Headers.Date ?? TimeProvider.System.GetUtcNow();
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            return retryAfter.Delta is { } delta ? Positive(delta)
                : retryAfter.Date is { } date ? Positive(date - now)
                : null;
        }

        return Header(response, "x-ratelimit-remaining") == "0"
            && long.TryParse(Header(response, "x-ratelimit-reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var reset)
            && reset is > 0 and < 100_000_000_000
                ? Positive(DateTimeOffset.FromUnixTimeSeconds(reset) - now)
                : null;
    }

    private static TimeSpan Positive(TimeSpan wait) => wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
}
