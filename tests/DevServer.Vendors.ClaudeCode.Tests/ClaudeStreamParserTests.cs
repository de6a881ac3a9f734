using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Tests.Agents;
using Kind = DevServer.Contracts.Work.V1.AgentActivity.KindOneofCase;

namespace DevServer.Vendors.ClaudeCode.Tests;

/// <summary>The stream-json reader over every claude-* and glm-* capture, and over the failure texts the CLI is known to print.</summary>
public sealed class ClaudeStreamParserTests
{
    [Fact]
    public void Parse_StreamSuccess_SessionTextUsageAndSuccessReport()
    {
        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(), AgentCliFixtures.Lines("claude-stream-success.jsonl"), 0);

        Assert.Equal([Kind.SessionStarted, Kind.Text, Kind.Usage], activities.Select(a => a.KindCase));
        Assert.Equal(("1d1e46f9-35c7-4834-b529-846d5bb82288", "claude-opus-4-5-20251101", false),
            (activities[0].SessionStarted.SessionId, activities[0].SessionStarted.Model, activities[0].SessionStarted.Resumed));
        Assert.Equal("4", activities[1].Text.Text);
        Assert.True(report.Success);
        Assert.Equal(AgentErrorKind.Unspecified, report.ErrorKind);
        Assert.Equal(("4", 1, 0.1354875, "1d1e46f9-35c7-4834-b529-846d5bb82288"), (report.Message, report.Turns, report.CostUsd, report.SessionId));
        Assert.Equal(new TokenUsage { InputTokens = 10, OutputTokens = 25, CacheWriteTokens = 21570 }, report.Usage);
        Assert.Equal(TimeSpan.FromMilliseconds(2360), report.Duration.ToTimeSpan());
    }

    [Fact]
    public void Parse_StreamToolUse_ToolCallAndResultMatchedByIdWithSummaries()
    {
        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(), AgentCliFixtures.Lines("claude-stream-tool-use.jsonl"), 0);

        Assert.Equal([Kind.SessionStarted, Kind.ToolCall, Kind.ToolResult, Kind.Usage], activities.Select(a => a.KindCase));
        Assert.Equal(17, activities[0].SessionStarted.Tools.Count);
        Assert.Equal(new ToolCall { CallId = "toolu_01BeipFBP3sUY3EAwVg3qQnE", Name = "Bash", Summary = "ls -la" }, activities[1].ToolCall);
        var result = activities[2].ToolResult;
        Assert.Equal(("toolu_01BeipFBP3sUY3EAwVg3qQnE", true), (result.CallId, result.Ok));
        Assert.StartsWith("total 1976 drwxrwxr-x", result.Summary, StringComparison.Ordinal);
        Assert.True(report.Success);
        Assert.Equal((2, 0.24722425), (report.Turns, report.CostUsd));
    }

    [Fact]
    public void Parse_PermissionDenied_FailedToolResultsAreNotARunFailure()
    {
        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(), AgentCliFixtures.Lines("claude-stream-tool-permission-denied.jsonl"), 0);

        Assert.Equal(3, activities.Count(a => a.KindCase == Kind.ToolCall));
        Assert.Equal([false, true, false], activities.Where(a => a.KindCase == Kind.ToolResult).Select(a => a.ToolResult.Ok));
        Assert.Contains(activities, a => a.ToolCall?.Summary == "test -f /etc/passwd && echo \"File exists\" || echo \"File does not exist\"");
        Assert.True(report.Success);
        Assert.Equal(4, report.Turns);
    }

    [Fact]
    public void Parse_JsonOutputResultOnly_SessionFromTheResult()
    {
        var (_, report) = Fixtures.Parse(Fixtures.ClaudeParser(), AgentCliFixtures.Lines("claude-json-success.json"), 0);

        Assert.True(report.Success);
        Assert.Equal(("145cc619-8afc-49bd-8c24-81ce5bebe88d", 0.0856259), (report.SessionId, report.CostUsd));
    }

    [Fact]
    public void Parse_ResumeUnknownSession_SessionNotFound()
    {
        var (_, report) = Fixtures.Parse(Fixtures.ClaudeParser(resume: "d56965c9-c855-4042-a8f5-f12bbb14d6f6"),
            AgentCliFixtures.Lines("claude-result-error-resume-not-found.json"), 1);

        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.SessionNotFound, report.ErrorKind);
        Assert.Contains("No conversation found", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RateLimitEvents_StatesLimitsAndResetTimes()
    {
        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(), AgentCliFixtures.Lines("claude-rate-limit-events.jsonl"), null);

        Assert.Equal(
            [(RateLimitState.Allowed, "five_hour", 1771390800L), (RateLimitState.Warning, "five_hour", 1700000000L), (RateLimitState.Rejected, "seven_day", 1700003600L)],
            activities.Select(a => (a.RateLimit.State, a.RateLimit.Limit, a.RateLimit.ResetsAt.Seconds)));
        Assert.Equal(AgentErrorKind.Crashed, report.ErrorKind);
    }

    [Fact]
    public void Parse_MaxTurns_MaxTurnsWithTheTurnsAndCost()
    {
        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(), AgentCliFixtures.Lines("claude-stream-error-max-turns.jsonl"), 1);

        Assert.Equal([Kind.SessionStarted, Kind.ToolCall, Kind.ToolResult, Kind.Usage], activities.Select(a => a.KindCase));
        Assert.False(report.Success);
        Assert.Equal((AgentErrorKind.MaxTurns, 2, 0.0523), (report.ErrorKind, report.Turns, report.CostUsd));
        Assert.Contains("Reached maximum number of turns (1)", report.Message, StringComparison.Ordinal);
        Assert.Equal("11111111-2222-4333-8444-555555555555", report.SessionId);
    }

    [Fact]
    public void Parse_AuthError_RetriesThenAuthentication()
    {
        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(), AgentCliFixtures.Lines("claude-stream-auth-error.jsonl"), 1);

        var retries = activities.Where(a => a.KindCase == Kind.VendorRetry).Select(a => a.VendorRetry).ToList();
        Assert.Equal(
            [(1, 2, 592L, "authentication_failed (HTTP 401)"), (2, 2, 1250L, "authentication_failed (HTTP 401)")],
            retries.Select(r => (r.Attempt, r.MaxAttempts, (long)r.Delay.ToTimeSpan().TotalMilliseconds, r.Reason)));
        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.Authentication, report.ErrorKind);
        Assert.Equal("Invalid API key · Fix external API key", report.Message);
    }

    [Fact]
    public void Parse_SubscriptionLimitRejected_RateLimitedUntilTheEventsReset()
    {
        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(BillingMode.Subscription), AgentCliFixtures.Lines("claude-stream-rate-limit-rejected.jsonl"), 1);

        Assert.Equal(RateLimitState.Rejected, activities.Single(a => a.KindCase == Kind.RateLimit).RateLimit.State);
        Assert.Equal(AgentErrorKind.RateLimited, report.ErrorKind);
        Assert.Equal(1775847600, report.ResetsAt.Seconds);
        Assert.Equal(0, report.CostUsd);
    }

    [Fact]
    public void Parse_Overloaded_Overloaded()
    {
        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(), AgentCliFixtures.Lines("claude-stream-api-overloaded.jsonl"), 1);

        Assert.Equal(2, activities.Count(a => a.KindCase == Kind.VendorRetry));
        Assert.Equal(AgentErrorKind.Overloaded, report.ErrorKind);
        Assert.Null(report.ResetsAt);
    }

    [Fact]
    public void Parse_GlmUsageLimit1308_RateLimitedUntilTheResetReadAsChinaTime()
    {
        var (_, report) = Fixtures.Parse(Fixtures.GlmParser(), AgentCliFixtures.Lines("glm-stream-usage-limit-1308.jsonl"), 1);

        Assert.Equal(AgentErrorKind.RateLimited, report.ErrorKind);
        Assert.Equal(new DateTimeOffset(2025, 12, 14, 18, 34, 52, TimeSpan.Zero), report.ResetsAt.ToDateTimeOffset());
    }

    [Theory]
    [InlineData(0, AgentErrorKind.Authentication)]
    [InlineData(1, AgentErrorKind.Overloaded)]
    [InlineData(2, AgentErrorKind.RateLimited)]
    public void Parse_SdkAssistantErrorThenErrorResult_KindFromTheAssistantError(int line, AgentErrorKind expected)
    {
        var lines = AgentCliFixtures.Lines("claude-sdk-error-messages.jsonl");

        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(), [lines[line], Result(isError: true)], 1);

        Assert.Equal(Kind.Text, activities[0].KindCase);
        Assert.Equal(expected, report.ErrorKind);
    }

    [Theory]
    [InlineData(3, AgentErrorKind.Overloaded)]
    [InlineData(4, AgentErrorKind.Other)]
    public void Parse_SdkResults_KindFromTheResultAlone(int line, AgentErrorKind expected)
    {
        var (_, report) = Fixtures.Parse(Fixtures.ClaudeParser(), [AgentCliFixtures.Lines("claude-sdk-error-messages.jsonl")[line]], 1);

        Assert.False(report.Success);
        Assert.Equal(expected, report.ErrorKind);
    }

    [Fact]
    public void Parse_IsErrorWithSubtypeSuccess_IsAFailure()
    {
        var (_, report) = Fixtures.Parse(Fixtures.ClaudeParser(), [Result(isError: true, text: "Something went wrong")], 1);

        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.Other, report.ErrorKind);
        Assert.Equal("Something went wrong", report.Message);
    }

    [Fact]
    public void Parse_ErrorSubtypeWithIsErrorFalse_IsAFailure()
    {
        var line = """{"type":"result","subtype":"error_max_turns","is_error":false,"num_turns":3,"session_id":"s"}""";

        var (_, report) = Fixtures.Parse(Fixtures.ClaudeParser(), [line], 0);

        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.MaxTurns, report.ErrorKind);
    }

    [Theory]
    [InlineData("""API Error: 429 {"type":"error","error":{"type":"1113","message":"Insufficient balance or no resource package. Please recharge."},"request_id":"x"}""", AgentErrorKind.Billing)]
    [InlineData("""API Error: 400 {"type":"error","error":{"type":"1211","message":"Unknown Model"}}""", AgentErrorKind.ModelUnavailable)]
    [InlineData("Credit balance is too low", AgentErrorKind.Billing)]
    [InlineData("Prompt is too long", AgentErrorKind.ContextTooLong)]
    [InlineData("""API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}""", AgentErrorKind.ContextTooLong)]
    [InlineData("You're out of extra usage · resets Apr 24, 4am (Europe/Berlin)", AgentErrorKind.RateLimited)]
    [InlineData("Claude usage limit reached. Your limit will reset at 3pm (Europe/Berlin).", AgentErrorKind.RateLimited)]
    [InlineData("5-hour limit reached ∙ resets 3pm", AgentErrorKind.RateLimited)]
    [InlineData("""API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account's rate limit."}}""", AgentErrorKind.RateLimited)]
    [InlineData("API Error: Request rejected (429) · Rate limited. Please try again later.", AgentErrorKind.RateLimited)]
    [InlineData("Not logged in · Please run /login", AgentErrorKind.Authentication)]
    [InlineData("Failed to authenticate: OAuth session expired and could not be refreshed", AgentErrorKind.Authentication)]
    [InlineData("""API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", AgentErrorKind.Overloaded)]
    [InlineData("I fixed issue 429 and the 401 page, but the tests still fail", AgentErrorKind.Other)]
    public void Parse_KnownFailureTexts_MapToTheirKinds(string text, AgentErrorKind expected)
    {
        var (_, report) = Fixtures.Parse(Fixtures.ClaudeParser(), [Result(isError: true, text: text)], 1);

        Assert.Equal(expected, report.ErrorKind);
    }

    [Fact]
    public void Parse_LegacyUsageLimitWithEpoch_ResetTimeFromTheText()
    {
        var (_, report) = Fixtures.Parse(Fixtures.ClaudeParser(), [Result(isError: true, text: "Claude AI usage limit reached|1700000000")], 1);

        Assert.Equal((AgentErrorKind.RateLimited, 1700000000L), (report.ErrorKind, report.ResetsAt.Seconds));
    }

    [Fact]
    public void Parse_UnknownTypesAndSubtypes_KeptAsUnknownActivities()
    {
        var parser = Fixtures.ClaudeParser();

        string[] lines =
        [
            """{"type":"fake_invocation","argv":["-p"],"env":{},"cwd":"/x"}""",
            """{"type":"system","subtype":"compact_boundary","session_id":"s"}""",
            """{"type":"stream_event","event":{"type":"message_start"}}""",
        ];

        var activities = lines.SelectMany(parser.ReadOutputLine).ToList();

        Assert.Equal(["fake_invocation", "system/compact_boundary", "stream_event"], activities.Select(a => a.Unknown.Type));
        Assert.Contains("\"argv\"", activities[0].Unknown.Json, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GarbageAndTruncatedLines_NeverThrowAndTheRunStillReads()
    {
        string[] garbage = ["[SandboxDebug] not json", "", "   ", "{\"type\":\"assistant\",\"message\":{\"con", "{not json}", "[1,2]", "{\"no_type\":true}"];

        var (activities, report) = Fixtures.Parse(Fixtures.ClaudeParser(), [.. garbage, .. AgentCliFixtures.Lines("claude-stream-success.jsonl")], 0);

        Assert.Equal(2, activities.Count(a => a.KindCase == Kind.Notice));
        Assert.Equal(string.Empty, activities.Single(a => a.KindCase == Kind.Unknown).Unknown.Type);
        Assert.True(report.Success);
    }

    [Fact]
    public void Finish_NoResultLine_CrashedWithTheSessionForResuming()
    {
        var lines = AgentCliFixtures.Lines("claude-stream-success.jsonl").Take(2);

        var (_, report) = Fixtures.Parse(Fixtures.ClaudeParser(), lines, 137);

        Assert.False(report.Success);
        Assert.Equal((AgentErrorKind.Crashed, "1d1e46f9-35c7-4834-b529-846d5bb82288"), (report.ErrorKind, report.SessionId));
    }

    [Fact]
    public void Finish_RootRefusalOnStderr_InvalidRequestWithTheCliWords()
    {
        var parser = Fixtures.ClaudeParser();
        parser.ReadErrorLine("--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons");

        var report = parser.Finish(1);

        Assert.Equal(AgentErrorKind.InvalidRequest, report.ErrorKind);
        Assert.Contains("root/sudo", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ResumedRun_SessionStartedSaysResumed()
    {
        var (activities, _) = Fixtures.Parse(Fixtures.ClaudeParser(resume: "1d1e46f9-35c7-4834-b529-846d5bb82288"), AgentCliFixtures.Lines("claude-stream-success.jsonl"), 0);

        Assert.True(activities[0].SessionStarted.Resumed);
    }

    [Fact]
    public void Parse_LongAssistantText_CutTo4KiB()
    {
        var line = $$"""{"type":"assistant","message":{"content":[{"type":"text","text":"{{new string('é', 5000)}}"}]},"session_id":"s"}""";

        var activity = Assert.Single(Fixtures.ClaudeParser().ReadOutputLine(line));

        Assert.Equal(2048, activity.Text.Text.Length);
    }

    [Fact]
    public void Parse_ThinkingAndToolSummaries_ReasoningFlagAndKeyFieldsWithin200Characters()
    {
        var line = $$$"""
            {"type":"assistant","message":{"content":[{"type":"thinking","thinking":"hmm","signature":"x"},{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/src/a.cs"}},{"type":"tool_use","id":"t2","name":"Grep","input":{"pattern":"TODO","path":"src"}},{"type":"tool_use","id":"t3","name":"Bash","input":{"command":"{{{new string('a', 300)}}}"}},{"type":"tool_use","id":"t4","name":"mcp__x__y","input":{"n":1,"q":"find it"}}]}}
            """;

        var activities = Fixtures.ClaudeParser().ReadOutputLine(line);

        Assert.True(activities[0].Text.Reasoning);
        Assert.Equal(["/src/a.cs", "TODO in src", new string('a', 199) + "…", "find it"], activities.Skip(1).Select(a => a.ToolCall.Summary));
    }

    private static string Result(bool isError, string text = "") =>
        "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":" + (isError ? "true" : "false")
        + ",\"num_turns\":1,\"result\":" + System.Text.Json.JsonSerializer.Serialize(text) + ",\"session_id\":\"s\",\"total_cost_usd\":0.5}";
}
