using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Agents.Parsing;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Vendors.Gemini;

/// <summary>
/// Reads <c>gemini -o stream-json</c>: <c>init</c>, <c>message</c> (user echo, assistant deltas), <c>tool_use</c>,
/// <c>tool_result</c>, <c>error</c> (non-fatal) and the terminal <c>result</c>; on stderr the CLI's retry lines and,
/// when a fatal error bypasses the stream formatter, a (pretty-printed) JSON error object.
/// </summary>
internal sealed partial class GeminiOutputParser(AgentRunRequest run, GeminiOptions options, TimeProvider timeProvider) : IAgentOutputParser
{
    private const int StderrTailLines = 20;
    private const int MaxStderrJsonChars = 64 * 1024;

    private readonly StringBuilder assistantText = new();
    private readonly Queue<string> stderrTail = new();
    private readonly StringBuilder stderrJson = new();
    private string sessionId = string.Empty;
    private string? initModel;
    private string finalAnswer = string.Empty;
    private bool inModelTurn;
    private int turns;
    private bool maxTurnsReported;
    private JsonElement? result;
    private JsonElement? stderrError;

    public IReadOnlyList<AgentActivity> ReadOutputLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (string.IsNullOrWhiteSpace(line))
        {
            return [];
        }

        var activities = new List<AgentActivity>(2);
        if (JsonLine.TryParseObject(line) is not { } json)
        {
            activities.Add(new AgentActivity { Unknown = new UnknownActivity { Type = "unparsed", Json = AgentText.Cut(line) } });
            return activities;
        }

        var type = json.String("type") ?? string.Empty;
        if (type != "message")
        {
            FlushAssistantText(activities);
        }

        switch (type)
        {
            case "init":
                sessionId = json.String("session_id") ?? sessionId;
                initModel = json.String("model");
                activities.Add(new AgentActivity
                {
                    SessionStarted = new SessionStarted
                    {
                        SessionId = sessionId,
                        Model = initModel ?? string.Empty,
                        Resumed = !string.IsNullOrEmpty(run.ResumeSessionId),
                    },
                });
                break;
            case "message":
                ReadMessage(json, activities);
                break;
            case "tool_use":
                StartModelTurn();
                activities.Add(new AgentActivity
                {
                    ToolCall = new ToolCall
                    {
                        CallId = json.String("tool_id") ?? string.Empty,
                        Name = json.String("tool_name") ?? string.Empty,
                        Summary = GeminiStats.ToolSummary(json.Object("parameters")),
                    },
                });
                break;
            case "tool_result":
                inModelTurn = false;
                activities.Add(new AgentActivity
                {
                    ToolResult = new ToolResult
                    {
                        CallId = json.String("tool_id") ?? string.Empty,
                        Ok = json.String("status") == "success",
                        Summary = AgentText.Summary(json.String("output") ?? json.Object("error")?.String("message")),
                    },
                });
                break;
            case "error":
                var message = json.String("message") ?? string.Empty;
                maxTurnsReported |= GeminiErrors.ClassifyText(message) == AgentErrorKind.MaxTurns;
                activities.Add(new AgentActivity
                {
                    Notice = new AgentNotice { Error = json.String("severity") == "error", Message = AgentText.Cut(message) },
                });
                break;
            case "result":
                result = json;
                ReadResult(json, activities);
                break;
            default:
                activities.Add(new AgentActivity { Unknown = new UnknownActivity { Type = type, Json = AgentText.Cut(line) } });
                break;
        }

        return activities;
    }

    public IReadOnlyList<AgentActivity> ReadErrorLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        RememberStderr(line);
        var text = line.StartsWith("[ERROR] ", StringComparison.Ordinal) ? line["[ERROR] ".Length..] : line;
        // A JSON error object: on one line, or pretty-printed from a line "{" to a line "}".
        if (stderrJson.Length > 0 || text.TrimEnd() == "{")
        {
            return ReadStderrJson(text);
        }

        if (text.TrimStart().StartsWith('{'))
        {
            return JsonLine.TryParseObject(text) is { } json ? ReadStderrError(json) : [];
        }

        var retry = RetryLine().Match(text);
        if (!retry.Success)
        {
            return [];
        }

        var reason = retry.Groups["why"].Value.Trim().TrimStart(':').Trim();
        var vendorRetry = new VendorRetry
        {
            Attempt = int.TryParse(retry.Groups["n"].ValueSpan, out var attempt) ? attempt : 0,
            Reason = AgentText.Summary(reason.Length > 0 ? reason : text),
        };
        if (RetryHints.Duration(retry.Groups["delay"].Value) is { } delay)
        {
            vendorRetry.Delay = Duration.FromTimeSpan(delay);
        }

        return [new AgentActivity { VendorRetry = vendorRetry }];
    }

    public AgentReport Finish(int? exitCode)
    {
        var report = new AgentReport { Turns = turns };
        if (result is { } final)
        {
            FillFromResult(report, final, exitCode);
        }
        else if (stderrError is { } fatal)
        {
            var error = fatal.Object("error");
            var code = error?.Long("code") is { } c && c is > 0 and < 1000 ? (int)c : exitCode;
            Fail(report, GeminiErrors.Classify(error?.String("type"), error?.String("message"), code), error?.String("message") ?? string.Empty);
            sessionId = sessionId.Length > 0 ? sessionId : fatal.String("session_id") ?? string.Empty;
        }
        else if (GeminiErrors.IsDeliberate(exitCode))
        {
            var tail = StderrText();
            var kind = GeminiErrors.ClassifyText(tail);
            Fail(report, kind != AgentErrorKind.Unspecified ? kind : GeminiErrors.ClassifyExitCode(exitCode), $"gemini exited with code {exitCode}. {tail}".Trim());
        }
        else
        {
            var tail = StderrText();
            var kind = GeminiErrors.ClassifyText(tail);
            var how = exitCode is { } code ? $"exited with code {code}" : "was killed";
            Fail(report, kind is AgentErrorKind.Unspecified ? AgentErrorKind.Crashed : kind, $"gemini {how} without a final result. {tail}".Trim());
        }

        report.SessionId = sessionId;
        return report;
    }

    private void ReadMessage(JsonElement json, List<AgentActivity> activities)
    {
        if (json.String("role") != "assistant")
        {
            // The user echo ends whatever the model said before it.
            FlushAssistantText(activities);
            inModelTurn = false;
            return;
        }

        StartModelTurn();
        assistantText.Append(json.String("content"));
    }

    private void ReadResult(JsonElement json, List<AgentActivity> activities)
    {
        if (GeminiStats.UsageOf(json.Object("stats")) is { } usage)
        {
            activities.Add(new AgentActivity { Usage = usage });
        }

        var error = json.Object("error");
        if (json.String("status") == "error"
            && GeminiErrors.Classify(error?.String("type"), error?.String("message"), null) == AgentErrorKind.RateLimited)
        {
            var rateLimit = new RateLimitStatus
            {
                State = RateLimitState.Rejected,
                Limit = error?.String("type") ?? string.Empty,
                Message = AgentText.Cut(error?.String("message") ?? string.Empty),
            };
            if (ResetsAt(error?.String("message")) is { } resets)
            {
                rateLimit.ResetsAt = resets;
            }

            activities.Add(new AgentActivity { RateLimit = rateLimit });
        }
    }

    private void FillFromResult(AgentReport report, JsonElement final, int? exitCode)
    {
        var stats = final.Object("stats");
        if (GeminiStats.UsageOf(stats) is { } usage)
        {
            report.Usage = usage;
            report.CostUsd = run.BillingMode == BillingMode.Subscription ? 0 : (double)GeminiStats.CostOf(stats!.Value, usage, new TokenPriceTable(options.Prices), initModel, run.Model, options.PricingModel);
        }

        if (stats?.Long("duration_ms") is { } ms && ms > 0)
        {
            report.Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(ms));
        }

        if (final.String("status") == "success")
        {
            if (maxTurnsReported)
            {
                // Gemini stops at maxSessionTurns with an error event, then reports "success": the work is unfinished.
                Fail(report, AgentErrorKind.MaxTurns, "Maximum session turns exceeded.");
                return;
            }

            report.Success = true;
            report.Message = AgentText.Cut(finalAnswer);
            return;
        }

        var error = final.Object("error");
        var message = error?.String("message") ?? $"gemini reported an error (exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}).";
        Fail(report, GeminiErrors.Classify(error?.String("type"), error?.String("message"), exitCode), message);
    }

    private void Fail(AgentReport report, AgentErrorKind kind, string message)
    {
        report.Success = false;
        report.ErrorKind = kind;
        report.Message = AgentText.Cut(message);
        if (kind == AgentErrorKind.RateLimited && ResetsAt(message) is { } resets)
        {
            report.ResetsAt = resets;
        }
    }

    private Timestamp? ResetsAt(string? message) =>
        RetryHints.WaitFrom(message) is { } wait ? Timestamp.FromDateTimeOffset(timeProvider.GetUtcNow() + wait) : null;

    private void StartModelTurn()
    {
        if (!inModelTurn)
        {
            inModelTurn = true;
            turns++;
        }
    }

    private void FlushAssistantText(List<AgentActivity> activities)
    {
        if (assistantText.Length == 0)
        {
            return;
        }

        finalAnswer = assistantText.ToString();
        assistantText.Clear();
        activities.Add(new AgentActivity { Text = new AssistantText { Text = AgentText.Cut(finalAnswer) } });
    }

    private AgentActivity[] ReadStderrJson(string text)
    {
        stderrJson.AppendLine(text);
        if (text.TrimEnd() != "}")
        {
            // Not complete yet; a stray "{" line never ends the stderr reading: the size cap drops it.
            if (stderrJson.Length > MaxStderrJsonChars)
            {
                stderrJson.Clear();
            }

            return [];
        }

        var json = JsonLine.TryParseObject(stderrJson.ToString());
        stderrJson.Clear();
        return json is { } error ? ReadStderrError(error) : [];
    }

    private AgentActivity[] ReadStderrError(JsonElement json)
    {
        if (json.Object("error") is not { } error)
        {
            return [];
        }

        stderrError = json;
        return [new AgentActivity { Notice = new AgentNotice { Error = true, Message = AgentText.Cut(error.String("message") ?? string.Empty) } }];
    }

    private void RememberStderr(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        stderrTail.Enqueue(line);
        if (stderrTail.Count > StderrTailLines)
        {
            stderrTail.Dequeue();
        }
    }

    private string StderrText() => AgentText.Cut(string.Join('\n', stderrTail), AgentText.MaxTextBytes / 2);

    [GeneratedRegex(@"Attempt\s+(?<n>\d+)\s+failed(?<why>.*?)\s*Retrying(?:\s+after\s+(?<delay>\d+(?:\.\d+)?\s*(?:ms|s)))?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RetryLine();
}
