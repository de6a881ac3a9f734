using System.Text.Json;
using System.Text.RegularExpressions;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Agents.Parsing;

namespace DevServer.Vendors.Codex;

/// <summary>
/// Reads <c>codex exec --json</c>: <c>thread.started</c>, <c>turn.started</c>, <c>item.started</c> /
/// <c>item.updated</c> / <c>item.completed</c>, <c>turn.completed</c> (usage), <c>turn.failed</c> and top-level
/// <c>error</c> events (fatal, except the <c>Reconnecting...</c> retries).
/// </summary>
/// <remarks>
/// Resuming: codex answers a resume with the same thread id. An unknown id made older builds silently start a new
/// thread, which has none of the earlier context (the prompt then carries only the new information), so that run is
/// reported as SESSION_NOT_FOUND without a session id, and the next attempt starts afresh with the whole task.
/// </remarks>
internal sealed partial class CodexOutputParser(AgentRunRequest run, CodexOptions options, TimeProvider timeProvider) : IAgentOutputParser
{
    private const int StderrTailLines = 20;

    private readonly HashSet<string> announcedItems = new(StringComparer.Ordinal);
    private readonly Queue<string> stderrTail = new();
    private string threadId = string.Empty;
    private string? otherThreadId;
    private string finalAnswer = string.Empty;
    private int turns;
    private bool turnCompleted;
    private string? turnFailure;
    private string? fatalError;
    private TokenUsage? usage;
    private bool rateLimitAnnounced;

    public IReadOnlyList<AgentActivity> ReadOutputLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (string.IsNullOrWhiteSpace(line))
        {
            return [];
        }

        if (JsonLine.TryParseObject(line) is not { } json)
        {
            return [new AgentActivity { Unknown = new UnknownActivity { Type = "unparsed", Json = AgentText.Cut(line) } }];
        }

        var type = json.String("type") ?? string.Empty;
        switch (type)
        {
            case "thread.started":
                return ThreadStarted(json.String("thread_id") ?? string.Empty);
            case "turn.started":
                turns++;
                return [];
            case "item.started":
            case "item.updated":
            case "item.completed":
                return json.Object("item") is { } item ? ReadItem(type, item) : [Unknown(type, line)];
            case "turn.completed":
                turnCompleted = true;
                usage = UsageOf(json.Object("usage"));
                return usage is null ? [] : [new AgentActivity { Usage = usage }];
            case "turn.failed":
                turnFailure = json.Object("error")?.String("message") ?? "The turn failed.";
                return RateLimitActivity(turnFailure);
            case "error":
                return ReadError(json.String("message") ?? string.Empty);
            default:
                return [Unknown(type, line)];
        }
    }

    public IReadOnlyList<AgentActivity> ReadErrorLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!string.IsNullOrWhiteSpace(line))
        {
            stderrTail.Enqueue(line);
            if (stderrTail.Count > StderrTailLines)
            {
                stderrTail.Dequeue();
            }
        }

        // Codex's stderr in --json mode is its log and warnings; the events carry everything the report needs.
        return [];
    }

    public AgentReport Finish(int? exitCode)
    {
        var report = new AgentReport { Turns = turns, SessionId = threadId };
        if (usage is not null)
        {
            report.Usage = usage;
            report.CostUsd = run.BillingMode == BillingMode.Subscription ? 0 : (double)CostOf(usage);
        }

        if (otherThreadId is not null)
        {
            report.SessionId = string.Empty;
            Fail(report, AgentErrorKind.SessionNotFound,
                $"codex did not resume thread {run.ResumeSessionId}: it started a new thread {otherThreadId} (the session is unknown here or has expired).");
        }
        else if ((turnFailure ?? fatalError) is { } failure)
        {
            // One fatal error fails the run even when the turn completes afterwards (codex then exits 1 as well).
            var kind = CodexErrors.Classify(failure);
            Fail(report, kind == AgentErrorKind.Unspecified ? AgentErrorKind.Other : kind, failure);
        }
        else if (turnCompleted)
        {
            report.Success = true;
            report.Message = AgentText.Cut(finalAnswer);
        }
        else
        {
            var tail = AgentText.Cut(string.Join('\n', stderrTail), AgentText.MaxTextBytes / 2);
            var kind = CodexErrors.Classify(tail);
            if (kind == AgentErrorKind.Unspecified)
            {
                kind = exitCode == 2 ? AgentErrorKind.InvalidRequest : AgentErrorKind.Crashed;
            }

            var how = exitCode is { } code ? $"exited with code {code}" : "was killed";
            Fail(report, kind, $"codex {how} before its turn ended. {tail}".Trim());
        }

        FillResetsAt(report);
        return report;
    }

    private AgentActivity[] ThreadStarted(string id)
    {
        var resumed = !string.IsNullOrEmpty(run.ResumeSessionId);
        if (resumed && !string.Equals(id, run.ResumeSessionId, StringComparison.Ordinal))
        {
            otherThreadId = id;
            return
            [
                new AgentActivity { SessionStarted = new SessionStarted { SessionId = id } },
                new AgentActivity
                {
                    Notice = new AgentNotice
                    {
                        Error = true,
                        Message = $"Asked to resume thread {run.ResumeSessionId}, codex started a new thread {id}: the earlier context is lost.",
                    },
                },
            ];
        }

        threadId = id;
        return [new AgentActivity { SessionStarted = new SessionStarted { SessionId = id, Model = run.Model ?? string.Empty, Resumed = resumed } }];
    }

    private AgentActivity[] ReadError(string message)
    {
        var retry = Reconnecting().Match(message);
        if (retry.Success)
        {
            return
            [
                new AgentActivity
                {
                    VendorRetry = new VendorRetry
                    {
                        Attempt = int.Parse(retry.Groups["n"].ValueSpan, System.Globalization.CultureInfo.InvariantCulture),
                        MaxAttempts = int.Parse(retry.Groups["max"].ValueSpan, System.Globalization.CultureInfo.InvariantCulture),
                        Reason = AgentText.Summary(retry.Groups["why"].Success ? retry.Groups["why"].Value : message),
                    },
                },
            ];
        }

        fatalError ??= message;
        List<AgentActivity> activities = [new AgentActivity { Notice = new AgentNotice { Error = true, Message = AgentText.Cut(message) } }];
        activities.AddRange(RateLimitActivity(message));
        return [.. activities];
    }

    private AgentActivity[] RateLimitActivity(string message)
    {
        // Codex sends the same message as an error event and again in turn.failed: one rate-limit step is enough.
        if (rateLimitAnnounced || CodexErrors.Classify(message) != AgentErrorKind.RateLimited)
        {
            return [];
        }

        rateLimitAnnounced = true;

        var status = new RateLimitStatus { State = RateLimitState.Rejected, Message = AgentText.Cut(message) };
        if (CodexErrors.ResetsAt(message, timeProvider) is { } resets)
        {
            status.ResetsAt = resets;
        }

        return [new AgentActivity { RateLimit = status }];
    }

    private AgentActivity[] ReadItem(string eventType, JsonElement item)
    {
        var id = item.String("id") ?? string.Empty;
        var itemType = item.String("type") ?? string.Empty;
        var completed = eventType == "item.completed";
        switch (itemType)
        {
            case "agent_message" or "assistant_message" when completed:
                finalAnswer = item.String("text") ?? string.Empty;
                return [new AgentActivity { Text = new AssistantText { Text = AgentText.Cut(finalAnswer) } }];
            case "reasoning" when completed:
                return [new AgentActivity { Text = new AssistantText { Text = AgentText.Cut(item.String("text") ?? string.Empty), Reasoning = true } }];
            case "command_execution" or "mcp_tool_call" or "web_search" or "file_change":
                return ToolItem(eventType, id, itemType, item);
            case "todo_list" when completed:
                return [new AgentActivity { Text = new AssistantText { Text = AgentText.Cut(TodoText(item)), Reasoning = true } }];
            case "error" when completed:
                return [new AgentActivity { Notice = new AgentNotice { Error = false, Message = AgentText.Cut(item.String("message") ?? string.Empty) } }];
            case "agent_message" or "assistant_message" or "reasoning" or "todo_list" or "error":
                // Progress of an item whose completion carries the whole of it.
                return [];
            default:
                return completed || eventType == "item.started" ? [Unknown(eventType + ":" + itemType, item.GetRawText())] : [];
        }
    }

    // Tool items: a call when the item starts (or, for items reported only when done, such as file_change, right
    // before its result), a result when it completes. Updates in between say nothing new.
    private AgentActivity[] ToolItem(string eventType, string id, string itemType, JsonElement item)
    {
        List<AgentActivity> activities = [];
        if (eventType != "item.updated" && announcedItems.Add(id))
        {
            activities.Add(new AgentActivity { ToolCall = new ToolCall { CallId = id, Name = ToolName(itemType, item), Summary = CallSummary(itemType, item) } });
        }

        if (eventType == "item.completed")
        {
            activities.Add(new AgentActivity { ToolResult = new ToolResult { CallId = id, Ok = Succeeded(item), Summary = ResultSummary(itemType, item) } });
        }

        return [.. activities];
    }

    private static string ToolName(string itemType, JsonElement item) =>
        itemType == "mcp_tool_call" ? $"{item.String("server")}.{item.String("tool")}" : itemType;

    private static string CallSummary(string itemType, JsonElement item) => itemType switch
    {
        "command_execution" => AgentText.Summary(ShellCommand(item.String("command") ?? string.Empty)),
        "file_change" => AgentText.Summary(string.Join(", ", Changes(item))),
        "web_search" => AgentText.Summary(item.String("query")),
        _ => AgentText.Summary(item.TryGetProperty("arguments", out var arguments) ? arguments.GetRawText() : string.Empty),
    };

    private static bool Succeeded(JsonElement item) =>
        item.String("status") is "completed" or null
        && item.Long("exit_code") is null or 0
        && item.Object("error") is null;

    private static string ResultSummary(string itemType, JsonElement item)
    {
        if (item.Object("error")?.String("message") is { } error)
        {
            return AgentText.Summary(error);
        }

        return itemType switch
        {
            "command_execution" when item.Long("exit_code") is { } code && code != 0 =>
                AgentText.Summary($"exit code {code}: {item.String("aggregated_output")}".TrimEnd(' ', ':')),
            "command_execution" => AgentText.Summary(item.String("aggregated_output")),
            "file_change" => AgentText.Summary($"{item.String("status")}: {string.Join(", ", Changes(item))}"),
            "mcp_tool_call" when item.Object("result") is { } result => AgentText.Summary(McpText(result)),
            _ => AgentText.Summary(item.String("status")),
        };
    }

    private static IEnumerable<string> Changes(JsonElement item)
    {
        if (!item.TryGetProperty("changes", out var changes) || changes.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var change in changes.EnumerateArray())
        {
            yield return $"{change.String("kind")} {change.String("path")}";
        }
    }

    private static string McpText(JsonElement result)
    {
        if (result.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in content.EnumerateArray())
            {
                if (part.String("text") is { } text)
                {
                    return text;
                }
            }
        }

        return result.GetRawText();
    }

    private static string TodoText(JsonElement item)
    {
        if (!item.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return string.Empty;
        }

        return string.Join('\n', items.EnumerateArray().Select(todo => $"[{(todo.Bool("completed") == true ? "x" : " ")}] {todo.String("text")}"));
    }

    // Codex runs commands as `/bin/bash -lc '<command>'`: the summary shows the command.
    private static string ShellCommand(string command)
    {
        var match = ShellWrapper().Match(command);
        return match.Success ? match.Groups["command"].Value : command;
    }

    // input_tokens includes the cached part; reasoning tokens are part of output_tokens.
    private static TokenUsage? UsageOf(JsonElement? json)
    {
        if (json is not { } u)
        {
            return null;
        }

        var input = u.Long("input_tokens") ?? 0;
        var cached = u.Long("cached_input_tokens") ?? 0;
        return new TokenUsage
        {
            InputTokens = Math.Max(0, input - cached),
            CacheReadTokens = cached,
            CacheWriteTokens = u.Long("cache_write_input_tokens") ?? 0,
            OutputTokens = u.Long("output_tokens") ?? 0,
        };
    }

    private decimal CostOf(TokenUsage tokens) => new TokenPriceTable(options.Prices).CostOf(tokens, run.Model, options.PricingModel);

    private static void Fail(AgentReport report, AgentErrorKind kind, string message)
    {
        report.Success = false;
        report.ErrorKind = kind;
        report.Message = AgentText.Cut(message);
    }

    private void FillResetsAt(AgentReport report)
    {
        if (report.ErrorKind == AgentErrorKind.RateLimited && CodexErrors.ResetsAt(report.Message, timeProvider) is { } resets)
        {
            report.ResetsAt = resets;
        }
    }

    private static AgentActivity Unknown(string type, string json) =>
        new() { Unknown = new UnknownActivity { Type = type, Json = AgentText.Cut(json) } };

    [GeneratedRegex(@"^Reconnecting\.\.\.\s*(?<n>\d+)/(?<max>\d+)(?:\s*\((?<why>.*)\))?", RegexOptions.CultureInvariant)]
    private static partial Regex Reconnecting();

    [GeneratedRegex(@"^(?:/bin/)?(?:ba|z)?sh -lc (?:'(?<command>.*)'|""(?<command>.*)""|(?<command>.*))$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ShellWrapper();
}
