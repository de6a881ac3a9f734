using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Tests.Agents;

namespace DevServer.Vendors.Codex.Tests;

public sealed class CodexOutputParserTests
{
    private const string ToolUseThread = "019c8143-abe2-7722-9bd1-fd70f687175b";
    private const string ResumeThread = "019ab7c5-3c6c-7dd3-8e6e-cec2a5a49a62";

    [Fact]
    public void Parse_ThreeCommands_YieldsCallResultPairsAndASuccessReport()
    {
        var (activities, report) = Codex.Parse(AgentCliFixtures.Lines("codex-exec-tool-use.jsonl"), exitCode: 0, run: AgentCliFixtures.Run(model: "gpt-5-codex"));

        Assert.Equal(
            [
                $"session {ToolUseThread} model=gpt-5-codex resumed=False",
                "reasoning: **Confirming sequential command execution**",
                "text: Running the three commands sequentially now and I'll report each output in order.",
                "call item_2 command_execution: echo step1",
                "result item_2 ok: step1",
                "call item_3 command_execution: echo step2",
                "result item_3 ok: step2",
                "call item_4 command_execution: echo step3",
                "result item_4 ok: step3",
                "text: `echo step1` → `step1`  \n`echo step2` → `step2`  \n`echo step3` → `step3`",
                "usage in=2381 cached=28288 out=205",
            ],
            activities);
        Assert.True(report.Success);
        Assert.Equal("`echo step1` → `step1`  \n`echo step2` → `step2`  \n`echo step3` → `step3`", report.Message);
        Assert.Equal(ToolUseThread, report.SessionId);
        Assert.Equal(1, report.Turns);
        Assert.Equal(new TokenUsage { InputTokens = 2381, CacheReadTokens = 28288, OutputTokens = 205 }, report.Usage);
        Assert.Equal(((2381 * 1.25) + (28288 * 0.125) + (205 * 10.0)) / 1_000_000, report.CostUsd, 12);
    }

    [Fact]
    public void Parse_HelloWorld_IsReasoningThenAnswer()
    {
        var (activities, report) = Codex.Parse(AgentCliFixtures.Lines("codex-exec-success.jsonl"), exitCode: 0);

        Assert.Equal(
            [
                "session 019c8140-6f07-7fb1-86f8-4813739c32bb model= resumed=False",
                "reasoning: **Preparing minimal output**",
                "text: hello world",
                "usage in=936 cached=6528 out=25",
            ],
            activities);
        Assert.True(report.Success);
        Assert.Equal("hello world", report.Message);
    }

    [Fact]
    public void Parse_FailedCommand_IsAFailedToolResultButASuccessfulRun()
    {
        var (activities, report) = Codex.Parse(AgentCliFixtures.Lines("codex-exec-failed-command.jsonl"), exitCode: 0);

        Assert.Contains("call item_2 command_execution: exit 42", activities);
        Assert.Contains("result item_2 failed: exit code 42", activities);
        Assert.True(report.Success);
        Assert.Equal("The command exited with code `42`.", report.Message);
    }

    [Fact]
    public void Parse_FileChange_IsOneCallAndItsResult()
    {
        var (activities, report) = Codex.Parse(AgentCliFixtures.Lines("codex-exec-file-change.jsonl"), exitCode: 0);

        var call = activities.IndexOf("call item_3 file_change: update /tmp/codex_patch_test/test.txt");
        Assert.True(call >= 0);
        Assert.Equal("result item_3 ok: completed: update /tmp/codex_patch_test/test.txt", activities[call + 1]);
        Assert.Contains("call item_6 command_execution: cat /tmp/codex_patch_test/test.txt", activities);
        Assert.Contains("result item_6 ok: new content", activities);
        Assert.True(report.Success);
    }

    [Fact]
    public void Parse_DocsSampleAndFileCreate_ShowTheShellCommandWithoutItsWrapper()
    {
        var (docs, docsReport) = Codex.Parse(AgentCliFixtures.Lines("codex-exec-docs-sample.jsonl"), exitCode: 0);
        var (create, _) = Codex.Parse(AgentCliFixtures.Lines("codex-exec-file-create.jsonl"), exitCode: 0);

        Assert.Contains("call item_1 command_execution: ls", docs);
        Assert.Contains(docs, a => a.StartsWith("result item_1 ok: 2025-09-11 AGENTS.md CHANGELOG.md", StringComparison.Ordinal));
        Assert.Equal("Yep — there’s a `README.md` in the repository root.", docsReport.Message);
        Assert.Contains("call item_2 command_execution: printf '%s' 'hello from codex' > /tmp/codex_test_file.txt && cat /tmp/codex_test_file.txt", create);
        Assert.Contains("result item_2 ok: hello from codex", create);
    }

    [Fact]
    public void Parse_ResumeWithTheSameThread_IsAResumedSuccess()
    {
        var (activities, report) = Codex.Parse(AgentCliFixtures.Lines("codex-exec-resume-0.6x.jsonl"), exitCode: 0, run: AgentCliFixtures.Run(resume: ResumeThread));

        Assert.Equal($"session {ResumeThread} model= resumed=True", activities[0]);
        Assert.True(report.Success);
        Assert.Equal(ResumeThread, report.SessionId);
        Assert.Equal(new TokenUsage { InputTokens = 529, CacheReadTokens = 7040, OutputTokens = 109 }, report.Usage);
    }

    [Fact]
    public void Finish_ResumeAnsweredWithANewThread_IsSessionNotFoundWithoutASession()
    {
        var (activities, report) = Codex.Parse(AgentCliFixtures.Lines("codex-exec-streaming-0.6x.jsonl"), exitCode: 0, run: AgentCliFixtures.Run(resume: "019a0000-dead-7000-8000-000000000000"));

        Assert.StartsWith("error: Asked to resume thread 019a0000-dead-7000-8000-000000000000, codex started a new thread " + ResumeThread, activities[1], StringComparison.Ordinal);
        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.SessionNotFound, report.ErrorKind);
        Assert.Equal(string.Empty, report.SessionId);
    }

    [Fact]
    public void Finish_UsageLimit_IsRateLimitedUntilTheLocalTimeItNames()
    {
        var (activities, report) = Codex.Parse(AgentCliFixtures.Lines("codex-error-usage-limit.jsonl"), exitCode: 1);

        Assert.Contains(activities, a => a.StartsWith("rate-limit Rejected resets=2026-01-10T15:28:00.000Z: You've hit your usage limit.", StringComparison.Ordinal));
        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.RateLimited, report.ErrorKind);
        Assert.Equal("2026-01-10T15:28:00.000Z", AgentCliFixtures.Time(report.ResetsAt));
        Assert.StartsWith("You've hit your usage limit.", report.Message, StringComparison.Ordinal);
        Assert.Equal("019c0000-0000-7000-8000-000000000001", report.SessionId);
    }

    [Fact]
    public void Finish_RetriesThen429_AreVendorRetriesAndARateLimitedReport()
    {
        var (activities, report) = Codex.Parse(AgentCliFixtures.Lines("codex-error-retry-exhausted.jsonl"), exitCode: 1);

        Assert.Equal(
            [
                "session 019c0000-0000-7000-8000-000000000001 model= resumed=False",
                "retry 1/5 delay=-: stream disconnected before completion: Rate limit reached for gpt-5 on tokens per min (TPM). Please try again in 2.5s.",
                "retry 2/5 delay=-: stream disconnected before completion: Rate limit reached for gpt-5 on tokens per min (TPM). Please try again in 2.5s.",
                "error: exceeded retry limit, last status: 429 Too Many Requests, request id: req_synthetic",
                "rate-limit Rejected resets=-: exceeded retry limit, last status: 429 Too Many Requests, request id: req_synthetic",
            ],
            activities);
        Assert.Equal(AgentErrorKind.RateLimited, report.ErrorKind);
        Assert.Null(report.ResetsAt);
    }

    [Fact]
    public void Finish_Unauthorized_IsAuthentication()
    {
        var (_, report) = Codex.Parse(AgentCliFixtures.Lines("codex-error-unauthorized.jsonl"), exitCode: 1);

        Assert.Equal(AgentErrorKind.Authentication, report.ErrorKind);
        Assert.StartsWith("unexpected status 401 Unauthorized:", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Finish_ContextWindow_IsContextTooLong()
    {
        var (_, report) = Codex.Parse(AgentCliFixtures.Lines("codex-error-context-window.jsonl"), exitCode: 1);

        Assert.Equal(AgentErrorKind.ContextTooLong, report.ErrorKind);
    }

    [Theory]
    [InlineData("Quota exceeded. Check your plan and billing details.", AgentErrorKind.Billing, "-")]
    [InlineData("To use Codex with your ChatGPT plan, upgrade to Plus: https://openai.com/chatgpt/pricing.", AgentErrorKind.Billing, "-")]
    [InlineData("You've hit your usage limit. Upgrade to Plus to continue using Codex (https://chatgpt.com/explore/plus), or try again at Jan 12th, 2026 9:05 AM.", AgentErrorKind.RateLimited, "2026-01-12T09:05:00.000Z")]
    [InlineData("You've hit your usage limit. Try again at 11:30 AM.", AgentErrorKind.RateLimited, "2026-01-11T11:30:00.000Z")]
    [InlineData("You've hit your usage limit. Try again later.", AgentErrorKind.RateLimited, "-")]
    [InlineData("stream disconnected before completion: Rate limit is exceeded. Try again in 17 seconds.", AgentErrorKind.RateLimited, "2026-01-10T12:00:17.000Z")]
    [InlineData("We're currently experiencing high demand, which may cause temporary errors.", AgentErrorKind.Overloaded, "-")]
    [InlineData("exceeded retry limit, last status: 503 Service Unavailable", AgentErrorKind.Overloaded, "-")]
    [InlineData("The 'gpt-5-pro' model is not supported when using Codex with a ChatGPT account.", AgentErrorKind.ModelUnavailable, "-")]
    [InlineData("Codex ran out of room in the model's context window. Start a new conversation or clear earlier history before retrying.", AgentErrorKind.ContextTooLong, "-")]
    [InlineData("unexpected status 401 Unauthorized: Missing bearer or basic authentication in header", AgentErrorKind.Authentication, "-")]
    [InlineData("Access blocked by Cloudflare.", AgentErrorKind.Other, "-")]
    [InlineData("curl exited with 429", AgentErrorKind.Other, "-")]
    public void Finish_TurnFailedMessage_MapsToItsKind(string message, AgentErrorKind expected, string resetsAt)
    {
        var failed = System.Text.Json.JsonSerializer.Serialize(new { type = "turn.failed", error = new { message } });

        var (_, report) = Codex.Parse([Codex.ThreadStarted, """{"type":"turn.started"}""", failed], exitCode: 1);

        Assert.False(report.Success);
        Assert.Equal(expected, report.ErrorKind);
        Assert.Equal(resetsAt, AgentCliFixtures.Time(report.ResetsAt));
        Assert.Equal(message, report.Message);
    }

    [Fact]
    public void Parse_429InCommandOutput_IsNoRateLimit()
    {
        string[] lines =
        [
            Codex.ThreadStarted,
            """{"type":"turn.started"}""",
            """{"type":"item.started","item":{"id":"item_0","type":"command_execution","command":"/bin/bash -lc 'curl -i localhost'","aggregated_output":"","exit_code":null,"status":"in_progress"}}""",
            """{"type":"item.completed","item":{"id":"item_0","type":"command_execution","command":"/bin/bash -lc 'curl -i localhost'","aggregated_output":"HTTP/1.1 429 Too Many Requests\nRate limit exceeded","exit_code":0,"status":"completed"}}""",
            """{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"The server rate-limits with 429 Too Many Requests; I added a retry."}}""",
            """{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":5}}""",
        ];

        var (activities, report) = Codex.Parse(lines, exitCode: 0);

        Assert.True(report.Success);
        Assert.DoesNotContain(activities, a => a.StartsWith("rate-limit", StringComparison.Ordinal));
    }

    [Fact]
    public void Finish_FatalErrorThenCompletedTurn_StillFails()
    {
        string[] lines =
        [
            Codex.ThreadStarted,
            """{"type":"turn.started"}""",
            """{"type":"error","message":"unexpected status 401 Unauthorized: token expired"}""",
            """{"type":"turn.completed","usage":{"input_tokens":0,"cached_input_tokens":0,"output_tokens":0}}""",
        ];

        var (_, report) = Codex.Parse(lines, exitCode: 1);

        Assert.False(report.Success);
        Assert.Equal(AgentErrorKind.Authentication, report.ErrorKind);
    }

    [Fact]
    public void Finish_NoTerminalEvent_IsCrashed()
    {
        var lines = AgentCliFixtures.Lines("codex-exec-tool-use.jsonl")[..^1];

        var (_, exited) = Codex.Parse(lines, exitCode: 0);
        var (_, killed) = Codex.Parse(lines, exitCode: null);

        Assert.Equal(AgentErrorKind.Crashed, exited.ErrorKind);
        Assert.Contains("exited with code 0", exited.Message, StringComparison.Ordinal);
        Assert.Equal(AgentErrorKind.Crashed, killed.ErrorKind);
        Assert.Contains("was killed", killed.Message, StringComparison.Ordinal);
        Assert.Equal(ToolUseThread, killed.SessionId);
    }

    [Fact]
    public void Finish_BadArguments_IsInvalidRequestWithStderr()
    {
        var (_, report) = Codex.Parse([], exitCode: 2, stderr: ["error: unexpected argument '--bogus' found", "", "Usage: codex exec [OPTIONS] [PROMPT]"]);

        Assert.Equal(AgentErrorKind.InvalidRequest, report.ErrorKind);
        Assert.Contains("--bogus", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownEventsAndGarbage_AreKeptAndTheStreamGoesOn()
    {
        string[] garbage =
        [
            "warning: this is not json",
            """{"type":"item.completed","item":{"id":"item_9","type":"agent_mes""",
            "{not json}",
            "",
            """{"type":"item.plan.delta","item_id":"item_0","delta":"step"}""",
            """{"type":"item.completed","item":{"id":"item_8","type":"collab_tool_call","x":1}}""",
            """{"type":"item.completed","item":"oops"}""",
        ];

        var (activities, report) = Codex.Parse([.. garbage, .. AgentCliFixtures.Lines("codex-exec-success.jsonl")], exitCode: 0);

        Assert.Equal(
            [
                "unknown unparsed: warning: this is not json",
                "unknown unparsed: {\"type\":\"item.completed\",\"item\":{\"id\":\"item_9\",\"type\":\"agent_mes",
                "unknown unparsed: {not json}",
                "unknown item.plan.delta: {\"type\":\"item.plan.delta\",\"item_id\":\"item_0\",\"delta\":\"step\"}",
                "unknown item.completed:collab_tool_call: {\"id\":\"item_8\",\"type\":\"collab_tool_call\",\"x\":1}",
                "unknown item.completed: {\"type\":\"item.completed\",\"item\":\"oops\"}",
            ],
            activities[..6]);
        Assert.True(report.Success);
        Assert.Equal("hello world", report.Message);
    }

    [Fact]
    public void Parse_McpToolCallAndTodoList_AreToolStepsAndAPlan()
    {
        string[] lines =
        [
            Codex.ThreadStarted,
            """{"type":"item.started","item":{"id":"item_1","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"retry"},"result":null,"error":null,"status":"in_progress"}}""",
            """{"type":"item.completed","item":{"id":"item_1","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"retry"},"result":{"content":[{"type":"text","text":"3 hits"}],"structured_content":null},"error":null,"status":"completed"}}""",
            """{"type":"item.started","item":{"id":"item_2","type":"todo_list","items":[{"text":"read","completed":false}]}}""",
            """{"type":"item.updated","item":{"id":"item_2","type":"todo_list","items":[{"text":"read","completed":true}]}}""",
            """{"type":"item.completed","item":{"id":"item_2","type":"todo_list","items":[{"text":"read","completed":true},{"text":"fix","completed":false}]}}""",
        ];

        var (activities, _) = Codex.Parse(lines, exitCode: 0);

        Assert.Equal(
            [
                "session 019c0000-0000-7000-8000-000000000001 model= resumed=False",
                "call item_1 docs.search: {\"q\":\"retry\"}",
                "result item_1 ok: 3 hits",
                "reasoning: [x] read\n[ ] fix",
            ],
            activities);
    }

    [Fact]
    public void Finish_SubscriptionBilling_CostsNothingButCountsTokens()
    {
        var (_, report) = Codex.Parse(AgentCliFixtures.Lines("codex-exec-tool-use.jsonl"), exitCode: 0, run: AgentCliFixtures.Run(BillingMode.Subscription, model: "gpt-5-codex"));

        Assert.Equal(0, report.CostUsd);
        Assert.Equal(205, report.Usage.OutputTokens);
    }
}
