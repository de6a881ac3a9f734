using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Tests.Agents;

namespace DevServer.Vendors.Gemini.Tests;

public sealed class GeminiOutputParserTests
{
    [Fact]
    public void Parse_DocsToolUseStream_YieldsStepsAndSuccessReport()
    {
        var (activities, report) = Gemini.Parse(AgentCliFixtures.Lines("gemini-stream-tool-use.jsonl"), exitCode: 0);

        Assert.Equal(
            [
                "session abc123 model=gemini-2.0-flash-exp resumed=False",
                "call bash-123 Bash: ls -la",
                "result bash-123 ok: file1.txt file2.txt",
                "text: Here are the files...",
                "usage in=50 cached=0 out=200",
            ],
            activities);
        Assert.True(report.Success);
        Assert.Equal(AgentErrorKind.Unspecified, report.ErrorKind);
        Assert.Equal("Here are the files...", report.Message);
        Assert.Equal("abc123", report.SessionId);
        Assert.Equal(2, report.Turns);
        Assert.Equal(TimeSpan.FromSeconds(3), report.Duration.ToTimeSpan());
        Assert.Equal(new TokenUsage { InputTokens = 50, OutputTokens = 200 }, report.Usage);
        // gemini-2.0-flash-exp has no price: the configured pricing model (gemini-2.5-pro, $1.25 in / $10 out) applies.
        Assert.Equal(((50 * 1.25) + (200 * 10.0)) / 1_000_000, report.CostUsd, 12);
    }

    [Fact]
    public void Parse_SnapshotStream_FlushesEachAssistantMessageBeforeTheNextEvent()
    {
        var (activities, report) = Gemini.Parse(Gemini.Snapshot("should emit appropriate events for streaming JSON output"), exitCode: 0);

        Assert.Equal(
            [
                "session test-session-id model=test-model resumed=False",
                "text: Thinking...",
                "call tool-1 testTool: value1",
                "result tool-1 ok: Tool executed successfully",
                "text: Final answer",
                "usage in=0 cached=0 out=0",
            ],
            activities);
        Assert.True(report.Success);
        Assert.Equal("Final answer", report.Message);
        Assert.Equal(2, report.Turns);
        Assert.Equal(TimeSpan.FromMilliseconds(1234), report.Duration.ToTimeSpan());
    }

    [Fact]
    public void Parse_DeltaChunks_AreOneAssistantTextAndTheUserEchoIsNone()
    {
        string[] lines =
        [
            """{"type":"init","timestamp":"t","session_id":"s1","model":"gemini-2.5-pro"}""",
            """{"type":"message","timestamp":"t","role":"user","content":"Refactor the parser"}""",
            """{"type":"message","timestamp":"t","role":"assistant","content":"I will ","delta":true}""",
            """{"type":"message","timestamp":"t","role":"assistant","content":"refactor ","delta":true}""",
            """{"type":"message","timestamp":"t","role":"assistant","content":"it.","delta":true}""",
            """{"type":"result","timestamp":"t","status":"success","stats":{"total_tokens":30,"input_tokens":20,"output_tokens":10,"cached":0,"input":20,"duration_ms":5,"tool_calls":0}}""",
        ];

        var (activities, report) = Gemini.Parse(lines, exitCode: 0);

        Assert.Equal(["session s1 model=gemini-2.5-pro resumed=False", "text: I will refactor it.", "usage in=20 cached=0 out=10"], activities);
        Assert.Equal("I will refactor it.", report.Message);
        Assert.Equal(1, report.Turns);
    }

    [Fact]
    public void Parse_LoopDetectedSnapshot_IsAWarningAndTheRunSucceeds()
    {
        var (activities, report) = Gemini.Parse(Gemini.Snapshot("'loop detected'"), exitCode: 0);

        Assert.Contains("warning: Loop detected, stopping execution", activities);
        Assert.True(report.Success);
    }

    [Fact]
    public void Parse_MaxSessionTurnsSnapshot_FailsWithMaxTurnsDespiteSuccessStatus()
    {
        var (activities, report) = Gemini.Parse(Gemini.Snapshot("'max session turns'"), exitCode: 0);

        Assert.Contains("error: Maximum session turns exceeded", activities);
        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.MaxTurns, report.ErrorKind);
        Assert.Equal("test-session-id", report.SessionId);
    }

    [Fact]
    public void Parse_TurnLimitedFatalStream_FailsWithMaxTurnsAndKeepsTheSession()
    {
        var (activities, report) = Gemini.Parse(AgentCliFixtures.Lines("gemini-stream-max-turns.jsonl"), exitCode: 53);

        Assert.Equal(
            [
                "session 33333333-4444-4555-8666-777777777777 model=gemini-2.5-pro resumed=False",
                "call run_shell_command-1768046404100-a1b2 run_shell_command: npm test",
                "result run_shell_command-1768046404100-a1b2 ok: Tests: 12 passed",
                "usage in=0 cached=0 out=0",
            ],
            activities);
        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.MaxTurns, report.ErrorKind);
        Assert.StartsWith("Reached max session turns", report.Message, StringComparison.Ordinal);
        Assert.Equal("33333333-4444-4555-8666-777777777777", report.SessionId);
        Assert.Equal(1, report.Turns);
    }

    [Fact]
    public void Parse_TerminalQuotaStream_IsRateLimitedUntilTheQuotaResets()
    {
        string[] stderr =
        [
            "Attempt 1 failed: You have exhausted your capacity on this model. Your quota will reset after 5s.. Retrying after 6173ms...",
            "Attempt 2 failed with status 429. Retrying with backoff... ",
        ];

        var (activities, report) = Gemini.Parse(AgentCliFixtures.Lines("gemini-stream-api-error.jsonl"), exitCode: 173, stderr: stderr);

        Assert.Equal(
            [
                "retry 1/0 delay=6173: You have exhausted your capacity on this model. Your quota will reset after 5s..",
                "retry 2/0 delay=-: with status 429.",
                "session 33333333-4444-4555-8666-777777777777 model=gemini-2.5-pro resumed=False",
                "usage in=0 cached=0 out=0",
                "rate-limit Rejected resets=2026-01-10T12:00:05.000Z: [API Error: You have exhausted your capacity on this model. Your quota will reset after 5s.]",
            ],
            activities);
        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.RateLimited, report.ErrorKind);
        Assert.Equal("2026-01-10T12:00:05.000Z", AgentCliFixtures.Time(report.ResetsAt));
        Assert.Equal("[API Error: You have exhausted your capacity on this model. Your quota will reset after 5s.]", report.Message);
        Assert.Equal(0, report.CostUsd);
    }

    [Fact]
    public void Finish_PrettyPrintedQuotaErrorOnStderr_IsOneNoticeAndARateLimitedReport()
    {
        var (activities, report) = Gemini.Parse([], exitCode: 173, stderr: AgentCliFixtures.Lines("gemini-json-quota-error.stderr.json"));

        Assert.Equal(["error: [API Error: You have exhausted your daily quota on this model.]"], activities);
        Assert.Equal(AgentErrorKind.RateLimited, report.ErrorKind);
        Assert.Equal("33333333-4444-4555-8666-777777777777", report.SessionId);
        Assert.Null(report.ResetsAt);
    }

    [Fact]
    public void ReadErrorLine_StrayBracesAndOneLineJsonError_NeverHideTheRetries()
    {
        string[] stderr =
        [
            "{not json}",
            "Attempt 1 failed with status 503. Retrying with backoff...",
            "{",
            "  \"half\": ",
            "}",
            "[ERROR] {\"session_id\":\"s9\",\"error\":{\"type\":\"Error\",\"message\":\"API key not valid. Please pass a valid API key.\",\"code\":400}}",
            "Attempt 2 failed with status 503. Retrying with backoff...",
        ];

        var (activities, report) = Gemini.Parse([], exitCode: 144, stderr: stderr);

        Assert.Equal(
            ["retry 1/0 delay=-: with status 503.", "error: API key not valid. Please pass a valid API key.", "retry 2/0 delay=-: with status 503."],
            activities);
        Assert.Equal(AgentErrorKind.Authentication, report.ErrorKind);
        Assert.Equal("s9", report.SessionId);
    }

    [Fact]
    public void Finish_AuthErrorJsonOnStderr_IsAuthenticationWithTheVendorsWords()
    {
        var (_, report) = Gemini.Parse([], exitCode: 41, stderr: AgentCliFixtures.Lines("gemini-json-auth-error.json"));

        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.Authentication, report.ErrorKind);
        Assert.Equal("Please set an Auth method in your /Users/robert/.gemini/settings.json...", report.Message);
        Assert.Equal("b2b90938-611f-4bd0-adf6-829e14549653", report.SessionId);
    }

    [Theory]
    [InlineData(41, AgentErrorKind.Authentication)]
    [InlineData(42, AgentErrorKind.InvalidRequest)]
    [InlineData(52, AgentErrorKind.InvalidRequest)]
    [InlineData(53, AgentErrorKind.MaxTurns)]
    [InlineData(55, AgentErrorKind.InvalidRequest)]
    [InlineData(144, AgentErrorKind.InvalidRequest)]
    [InlineData(145, AgentErrorKind.Authentication)]
    [InlineData(173, AgentErrorKind.RateLimited)]
    [InlineData(244, AgentErrorKind.Overloaded)]
    [InlineData(247, AgentErrorKind.Overloaded)]
    [InlineData(1, AgentErrorKind.Crashed)]
    [InlineData(0, AgentErrorKind.Crashed)]
    public void Finish_ExitCodeWithoutAnyOutput_MapsToItsKind(int exitCode, AgentErrorKind expected)
    {
        var (_, report) = Gemini.Parse([], exitCode);

        Assert.False(report.Success);
        Assert.Equal(expected, report.ErrorKind);
        Assert.Contains($"code {exitCode}", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Finish_KilledWithoutResult_IsCrashed()
    {
        var lines = AgentCliFixtures.Lines("gemini-stream-tool-use.jsonl")[..5];

        var (_, report) = Gemini.Parse(lines, exitCode: null);

        Assert.Equal(AgentErrorKind.Crashed, report.ErrorKind);
        Assert.Contains("was killed", report.Message, StringComparison.Ordinal);
        Assert.Equal("abc123", report.SessionId);
    }

    [Theory]
    [InlineData("Error", "[API Error: API key not valid. Please pass a valid API key. (Status: INVALID_ARGUMENT)]", 144, AgentErrorKind.Authentication)]
    [InlineData("Error", "[API Error: Rate limit exceeded (simulated 429 error, limit: 0)]", 1, AgentErrorKind.RateLimited)]
    [InlineData("Error", "got status: 429 Too Many Requests. {\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\",\"status\":\"RESOURCE_EXHAUSTED\"}}", 1, AgentErrorKind.RateLimited)]
    [InlineData("TerminalQuotaError", "[API Error: You have exhausted your daily quota on this model.]", 1, AgentErrorKind.RateLimited)]
    [InlineData("Error", "No capacity available for model gemini-3.1-pro-preview on the server", 247, AgentErrorKind.Overloaded)]
    [InlineData("Error", "[API Error: An unknown error occurred.]", 173, AgentErrorKind.RateLimited)]
    [InlineData("Error", "[API Error: An unknown error occurred.]", 1, AgentErrorKind.Other)]
    [InlineData("Error", "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", 144, AgentErrorKind.ContextTooLong)]
    [InlineData("Error", "models/gemini-9-pro is not found for API version v1beta", 148, AgentErrorKind.ModelUnavailable)]
    [InlineData("FatalTurnLimitedError", "Reached max session turns for this session.", 53, AgentErrorKind.MaxTurns)]
    [InlineData("FatalUntrustedWorkspaceError", "Gemini CLI is not running in a trusted directory.", 55, AgentErrorKind.InvalidRequest)]
    [InlineData("FatalAuthenticationError", "Failed to sign in.", 41, AgentErrorKind.Authentication)]
    public void Finish_ErrorResult_IsClassifiedByTypeAndMessageBeforeExitCode(string type, string message, int exitCode, AgentErrorKind expected)
    {
        var result = System.Text.Json.JsonSerializer.Serialize(new
        {
            type = "result",
            timestamp = "t",
            status = "error",
            error = new { type, message },
            stats = new { total_tokens = 0, input_tokens = 0, output_tokens = 0, duration_ms = 0, tool_calls = 0 },
        });

        var (_, report) = Gemini.Parse([result], exitCode);

        Assert.False(report.Success);
        Assert.Equal(expected, report.ErrorKind);
    }

    [Fact]
    public void Finish_PerMinuteQuotaBody_ResetsAfterTheWaitItNames()
    {
        // From gemini-api-error-strings.txt: a raw 429 body ending in "Please retry in 44.097740004s."
        var body = AgentCliFixtures.Lines("gemini-api-error-strings.txt").Single(l => l.StartsWith("error.message: ", StringComparison.Ordinal))["error.message: ".Length..];
        var result = System.Text.Json.JsonSerializer.Serialize(new { type = "result", status = "error", error = new { type = "Error", message = body }, stats = new { total_tokens = 0 } });

        var (activities, report) = Gemini.Parse([result], exitCode: 173);

        Assert.Equal(AgentErrorKind.RateLimited, report.ErrorKind);
        Assert.Equal("2026-01-10T12:00:44.097Z", AgentCliFixtures.Time(report.ResetsAt));
        Assert.Contains(activities, a => a.StartsWith("rate-limit Rejected resets=2026-01-10T12:00:44.097Z", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_429InToolOutputAndText_IsNoRateLimit()
    {
        string[] lines =
        [
            """{"type":"init","timestamp":"t","session_id":"s1","model":"gemini-2.5-flash"}""",
            """{"type":"tool_use","timestamp":"t","tool_name":"run_shell_command","tool_id":"t1","parameters":{"command":"curl -i localhost:8080"}}""",
            """{"type":"tool_result","timestamp":"t","tool_id":"t1","status":"success","output":"HTTP/1.1 429 Too Many Requests"}""",
            """{"type":"message","timestamp":"t","role":"assistant","content":"The server answered 429; I added a backoff.","delta":true}""",
            """{"type":"result","timestamp":"t","status":"success","stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0}}""",
        ];

        var (activities, report) = Gemini.Parse(lines, exitCode: 0);

        Assert.True(report.Success);
        Assert.DoesNotContain(activities, a => a.StartsWith("rate-limit", StringComparison.Ordinal));
        Assert.Equal(AgentErrorKind.Unspecified, GeminiErrors.ClassifyText("Process exited with code 429 after 429 ms"));
    }

    [Fact]
    public void Finish_ErrorWhoseMessageOnlyContains429_IsOther()
    {
        var result = """{"type":"result","status":"error","error":{"type":"Error","message":"Build step 429 failed"},"stats":{"total_tokens":0}}""";

        var (_, report) = Gemini.Parse([result], exitCode: 1);

        Assert.Equal(AgentErrorKind.Other, report.ErrorKind);
    }

    [Fact]
    public void Parse_UnknownEventType_IsKeptWithItsJson()
    {
        const string line = """{"type":"future_event","timestamp":"t","detail":{"x":1}}""";

        var (activities, _) = Gemini.Parse([line], exitCode: 0);

        Assert.Equal([$"unknown future_event: {line}"], activities);
    }

    [Fact]
    public void Parse_GarbageAndTruncatedLines_AreKeptAndTheStreamGoesOn()
    {
        string[] garbage =
        [
            "YOLO mode is enabled. All tool calls will be automatically approved.",
            """{"type":"message","timestamp":"t","role":"assis""",
            "{not json}",
            "",
            "[1,2,3]",
            "{\"type\":\"tool_use\",\"tool_id\":5,\"parameters\":\"oops\"}",
        ];

        var (activities, report) = Gemini.Parse([.. garbage, .. AgentCliFixtures.Lines("gemini-stream-tool-use.jsonl")], exitCode: 0);

        Assert.Equal("unknown unparsed: YOLO mode is enabled. All tool calls will be automatically approved.", activities[0]);
        Assert.Equal("unknown unparsed: {\"type\":\"message\",\"timestamp\":\"t\",\"role\":\"assis", activities[1]);
        Assert.Equal("unknown unparsed: {not json}", activities[2]);
        Assert.Equal("unknown unparsed: [1,2,3]", activities[3]);
        Assert.Equal("call  : ", activities[4]);
        Assert.True(report.Success);
        Assert.Equal("abc123", report.SessionId);
    }

    [Fact]
    public void Finish_SubscriptionBilling_CostsNothingButCountsTokens()
    {
        var (_, report) = Gemini.Parse(AgentCliFixtures.Lines("gemini-stream-tool-use.jsonl"), exitCode: 0, run: AgentCliFixtures.Run(BillingMode.Subscription));

        Assert.Equal(0, report.CostUsd);
        Assert.Equal(200, report.Usage.OutputTokens);
    }

    [Fact]
    public void Finish_StatsPerModel_PricesEachModelAndCountsThinkingAsOutput()
    {
        const string result = """
            {"type":"result","status":"success","stats":{"total_tokens":13100,"input_tokens":12000,"output_tokens":600,"cached":4000,"input":8000,"duration_ms":9000,"tool_calls":2,
             "models":{"gemini-2.5-pro":{"total_tokens":10500,"input_tokens":10000,"output_tokens":400,"cached":4000,"input":6000},
                       "gemini-2.5-flash":{"total_tokens":2600,"input_tokens":2000,"output_tokens":200,"cached":0,"input":2000}}}}
            """;

        var (_, report) = Gemini.Parse([result.ReplaceLineEndings(" ")], exitCode: 0);

        Assert.Equal(new TokenUsage { InputTokens = 8000, CacheReadTokens = 4000, OutputTokens = 1100 }, report.Usage);
        var pro = ((6000 * 1.25) + (4000 * 0.125) + (500 * 10.0)) / 1_000_000;
        var flash = ((2000 * 0.30) + (600 * 2.50)) / 1_000_000;
        Assert.Equal(pro + flash, report.CostUsd, 12);
    }

    [Fact]
    public void Parse_ResumedRun_MarksTheSessionResumed()
    {
        var (activities, _) = Gemini.Parse(AgentCliFixtures.Lines("gemini-stream-tool-use.jsonl"), exitCode: 0, run: AgentCliFixtures.Run(resume: "abc123"));

        Assert.Equal("session abc123 model=gemini-2.0-flash-exp resumed=True", activities[0]);
    }
}
