using System.Text.Json;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Agents.Parsing;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Vendors.ClaudeCode;

/// <summary>
/// Reads Claude Code's <c>--output-format stream-json --verbose</c> output, one NDJSON line at a time, into the kit's
/// agent activities, and the final <c>result</c> line into the run's report. Unknown types and subtypes are kept as
/// <see cref="UnknownActivity"/> (new ones keep appearing); lines that are not JSON objects never throw.
/// </summary>
internal sealed class ClaudeStreamParser(ClaudeCost cost, bool resumed, string? requestedModel) : IAgentOutputParser
{
    private const int MaxStderrLines = 5;
    private static readonly IReadOnlyList<AgentActivity> Nothing = [];

    // What the CLI says on stderr when it ends without a result line: a resume of an unknown session, a refused command line.
    private static readonly ErrorPhrases StderrPhrases = new(
        (AgentErrorKind.SessionNotFound, ["No conversation found with session ID"]),
        (AgentErrorKind.InvalidRequest, ["cannot be used with root", "requires --verbose", "unknown option"]));

    private readonly HashSet<string> _assistantErrors = new(StringComparer.Ordinal);
    private readonly List<string> _assistantErrorTexts = [];
    private readonly Queue<string> _stderr = new();
    private string _sessionId = string.Empty;
    private string? _model = requestedModel;
    private RateLimitStatus? _rejected;
    private AgentReport? _report;

    public IReadOnlyList<AgentActivity> ReadOutputLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var trimmed = line.AsSpan().TrimStart();

        // Some builds print debug text ([SandboxDebug] …) to stdout: only JSON objects are events.
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return Nothing;
        }

        if (JsonLine.TryParseObject(line) is not { } root)
        {
            return [Notice(false, $"The CLI wrote a line that is not valid JSON ({line.Length} characters): {Shorten(line, 200)}")];
        }

        var type = root.String("type");
        if (root.String("session_id") is { Length: > 0 } session)
        {
            _sessionId = session;
        }

        return type switch
        {
            "system" => ReadSystem(root, line),
            "assistant" => ReadAssistant(root),
            "user" => ReadUser(root),
            "rate_limit_event" => ReadRateLimit(root, line),
            "result" => ReadResult(root),
            _ => [Unknown(type ?? string.Empty, line)],
        };
    }

    public IReadOnlyList<AgentActivity> ReadErrorLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!string.IsNullOrWhiteSpace(line))
        {
            _stderr.Enqueue(line.Trim());
            if (_stderr.Count > MaxStderrLines)
            {
                _stderr.Dequeue();
            }
        }

        // Claude Code's stderr holds usage errors and debug noise; the raw line is already in the output.
        return Nothing;
    }

    public AgentReport Finish(int? exitCode)
    {
        if (_report is not null)
        {
            return _report;
        }

        // No result line: the CLI crashed, was killed, or refused its command line (plain text on stderr, exit 1).
        var said = string.Join(" | ", _stderr);
        var kind = StderrPhrases.Classify(said);
        if (kind == AgentErrorKind.Unspecified)
        {
            kind = AgentErrorKind.Crashed;
        }

        return new AgentReport
        {
            Success = false,
            ErrorKind = kind,
            Message = AgentText.Cut(said.Length > 0 ? said : exitCode is { } code ? $"exited with code {code} without a result" : "killed before a result"),
            SessionId = _sessionId,
            Usage = new TokenUsage(),
        };
    }

    private IReadOnlyList<AgentActivity> ReadSystem(JsonElement root, string line)
    {
        switch (root.String("subtype"))
        {
            case "init":
                _model = root.String("model") ?? _model;
                var started = new SessionStarted { SessionId = _sessionId, Model = _model ?? string.Empty, Resumed = resumed };
                if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
                {
                    started.Tools.AddRange(tools.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!));
                }

                return [new AgentActivity { SessionStarted = started }];
            case "api_retry":
                var retry = new VendorRetry
                {
                    Attempt = root.Long("attempt") is { } attempt ? (int)attempt : 0,
                    MaxAttempts = root.Long("max_retries") is { } max ? (int)max : 0,
                    Reason = root.Long("error_status") is { } status
                        ? $"{root.String("error") ?? "error"} (HTTP {status})"
                        : root.String("error") ?? "error",
                };
                if (root.Long("retry_delay_ms") is { } delay)
                {
                    retry.Delay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(delay));
                }

                return [new AgentActivity { VendorRetry = retry }];
            default:
                // status, compact_boundary, hook and task events: informational, kept as they are.
                return [Unknown($"system/{root.String("subtype")}", line)];
        }
    }

    private List<AgentActivity> ReadAssistant(JsonElement root)
    {
        var error = root.String("error");
        if (error is not null)
        {
            _assistantErrors.Add(error);
        }

        var activities = new List<AgentActivity>();
        if (!root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object
            || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            return activities;
        }

        foreach (var block in content.EnumerateArray())
        {
            switch (block.String("type"))
            {
                case "text" when block.String("text") is { } text:
                    if (error is not null)
                    {
                        _assistantErrorTexts.Add(text);
                    }

                    activities.Add(new AgentActivity { Text = new AssistantText { Text = AgentText.Cut(text) } });
                    break;
                case "thinking" when block.String("thinking") is { } thinking:
                    activities.Add(new AgentActivity { Text = new AssistantText { Text = AgentText.Cut(thinking), Reasoning = true } });
                    break;
                case "tool_use" or "server_tool_use":
                    var name = block.String("name") ?? string.Empty;
                    activities.Add(new AgentActivity
                    {
                        ToolCall = new ToolCall
                        {
                            CallId = block.String("id") ?? string.Empty,
                            Name = name,
                            Summary = block.TryGetProperty("input", out var input) ? ToolSummaries.OfInput(name, input) : string.Empty,
                        },
                    });
                    break;
                default:
                    break;
            }
        }

        return activities;
    }

    private static List<AgentActivity> ReadUser(JsonElement root)
    {
        var activities = new List<AgentActivity>();
        if (!root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object
            || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            return activities;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (block.String("type") == "tool_result")
            {
                var failed = block.TryGetProperty("is_error", out var isError) && isError.ValueKind == JsonValueKind.True;
                activities.Add(new AgentActivity
                {
                    ToolResult = new ToolResult
                    {
                        CallId = block.String("tool_use_id") ?? string.Empty,
                        Ok = !failed,
                        Summary = block.TryGetProperty("content", out var output) ? ToolSummaries.OfOutput(output) : string.Empty,
                    },
                });
            }
        }

        return activities;
    }

    private IReadOnlyList<AgentActivity> ReadRateLimit(JsonElement root, string line)
    {
        if (!root.TryGetProperty("rate_limit_info", out var info) || info.ValueKind != JsonValueKind.Object)
        {
            return [Unknown("rate_limit_event", line)];
        }

        var status = info.String("status");
        var state = status switch
        {
            "allowed" => RateLimitState.Allowed,
            "allowed_warning" => RateLimitState.Warning,
            "rejected" => RateLimitState.Rejected,
            _ => RateLimitState.Unspecified,
        };
        if (state == RateLimitState.Unspecified)
        {
            return [Unknown("rate_limit_event", line)];
        }

        var limit = new RateLimitStatus { State = state, Limit = info.String("rateLimitType") ?? string.Empty, Message = status! };
        if (info.Long("resetsAt") is { } resetsAt)
        {
            limit.ResetsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(resetsAt));
        }

        if (state == RateLimitState.Rejected)
        {
            _rejected = limit;
        }

        return [new AgentActivity { RateLimit = limit }];
    }

    private List<AgentActivity> ReadResult(JsonElement root)
    {
        var subtype = root.String("subtype") ?? string.Empty;
        var isError = (root.TryGetProperty("is_error", out var flag) && flag.ValueKind == JsonValueKind.True) || subtype != "success";
        var resultText = root.String("result") ?? string.Empty;
        var errors = root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];
        var usage = ReadUsage(root);
        var report = new AgentReport
        {
            Success = !isError,
            Turns = root.Long("num_turns") is { } turns ? (int)turns : 0,
            SessionId = _sessionId,
            Usage = usage,
            CostUsd = Cost(root, usage),
        };
        if (root.Long("duration_ms") is { } milliseconds)
        {
            report.Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(milliseconds));
        }

        if (isError)
        {
            List<string> texts = [.. errors, .. _assistantErrorTexts];
            if (resultText.Length > 0)
            {
                texts.Insert(0, resultText);
            }

            var failure = new ClaudeFailure(
                subtype, root.Long("api_error_status") is { } status ? (int)status : null,
                _assistantErrors, texts, _rejected?.ResetsAt, _rejected is not null);
            var (kind, resetsAt) = ClaudeErrors.Classify(failure);
            report.ErrorKind = kind;
            if (resetsAt is not null)
            {
                report.ResetsAt = resetsAt;
            }

            report.Message = AgentText.Cut(texts.Count > 0 ? string.Join("\n", texts.Distinct(StringComparer.Ordinal)) : subtype);
        }
        else
        {
            report.Message = AgentText.Cut(resultText);
        }

        _report = report;
        return [new AgentActivity { Usage = usage.Clone() }];
    }

    private static TokenUsage ReadUsage(JsonElement root)
    {
        var usage = new TokenUsage();
        if (root.TryGetProperty("usage", out var counts) && counts.ValueKind == JsonValueKind.Object)
        {
            usage.InputTokens = counts.Long("input_tokens") ?? 0;
            usage.OutputTokens = counts.Long("output_tokens") ?? 0;
            usage.CacheReadTokens = counts.Long("cache_read_input_tokens") ?? 0;
            usage.CacheWriteTokens = counts.Long("cache_creation_input_tokens") ?? 0;
        }

        return usage;
    }

    private double Cost(JsonElement root, TokenUsage usage)
    {
        switch (cost.Source)
        {
            case ClaudeCostSource.Reported:
                // total_cost_usd since CLI 1.0.x; cost_usd before.
                return root.Double("total_cost_usd") ?? root.Double("cost_usd") ?? 0;
            case ClaudeCostSource.FromTokens:
                // Per model when the CLI itemises (a run may use a small model for side tasks), else the run's totals.
                if (root.TryGetProperty("modelUsage", out var models) && models.ValueKind == JsonValueKind.Object
                    && models.EnumerateObject().Any())
                {
                    return (double)models.EnumerateObject().Sum(model => cost.Prices!.CostOf(new TokenUsage
                    {
                        InputTokens = model.Value.Long("inputTokens") ?? 0,
                        OutputTokens = model.Value.Long("outputTokens") ?? 0,
                        CacheReadTokens = model.Value.Long("cacheReadInputTokens") ?? 0,
                        CacheWriteTokens = model.Value.Long("cacheCreationInputTokens") ?? 0,
                    }, model.Name));
                }

                return (double)cost.Prices!.CostOf(usage, _model);
            default:
                return 0;
        }
    }

    private static AgentActivity Unknown(string type, string line) =>
        new() { Unknown = new UnknownActivity { Type = type, Json = AgentText.Cut(line) } };

    private static AgentActivity Notice(bool error, string message) =>
        new() { Notice = new AgentNotice { Error = error, Message = AgentText.Cut(message) } };

    private static string Shorten(string text, int maxCharacters) => text.Length <= maxCharacters ? text : text[..maxCharacters] + "…";
}
