using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Testing;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>
/// docs/prompts.md shows a first prompt and a resumed session's prompt as the kit renders them; this test renders them
/// again (the demo repository of `devserver demo` with an AGENTS.md, and a classified failure) and fails when the
/// page no longer says what an agent is told.
/// </summary>
public sealed class PromptDocsTests
{
    private static readonly string DocsPage = Path.Combine(RepositoryLayout.Root, "docs", "prompts.md");

    [Fact]
    public async Task FirstPrompt_DemoRepository_IsTheOneInTheDocs()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = Path.Combine(Path.GetTempPath(), "prompt-docs-" + Guid.NewGuid().ToString("N"));
        try
        {
            CopyDemoRepository(repository);
            await File.WriteAllTextAsync(
                Path.Combine(repository, "AGENTS.md"),
                "# Working on calc\n\n- Run `python3 -m unittest` before you finish.\n- Keep functions small and documented.\n",
                ct);
            var briefing = await RepositoryBriefing.ReadAsync(repository, Path.Combine(repository, ".maps"), 8_000, 4_000, ct);

            var prompt = new AgentPrompts().FirstPrompt(DemoAssignment(), briefing);

            Assert.Equal(DocsBlock("first-prompt"), prompt);
        }
        finally
        {
            Directory.Delete(repository, recursive: true);
        }
    }

    [Fact]
    public void ResumePrompt_ClassifiedFailure_IsTheOneInTheDocs()
    {
        var assignment = DemoAssignment();
        assignment.Agent.ResumeSessionId = "2f1c0a4e-7d53-4c8e-9a61-0b6f3d2e8c17";
        assignment.Agent.Remediation = new Remediation
        {
            Key = "python.attribute",
            Hint = "AttributeError: module 'calc' has no attribute 'multiply' in test_calc.py:17 — define calc.multiply or fix the name.",
            Evidence = { "AttributeError: module 'calc' has no attribute 'multiply'" },
        };

        var prompt = new AgentPrompts().ResumePrompt(assignment);

        Assert.Equal(DocsBlock("resume-prompt"), prompt);
    }

    private static Assignment DemoAssignment() => new()
    {
        AssignmentId = "a1",
        TaskId = 12,
        Attempt = 1,
        Agent = new AgentWork
        {
            Task = new TaskBrief
            {
                TaskId = 12,
                Title = "Implement calc.multiply",
                Description = "Add multiply(a, b) to calc.py, next to add and subtract.",
                Acceptance = "python3 -m unittest passes, and tools/lint.py reports nothing.",
            },
        },
    };

    private static void CopyDemoRepository(string target)
    {
        var source = Path.Combine(RepositoryLayout.Root, "cli", "DevServer.Cli", "Demo", "Files", "repo");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            // The demo keeps its .gitignore as "gitignore" (a dotfile would be ignored by the CLI's build).
            var destination = Path.Combine(target, relative == "gitignore" ? ".gitignore" : relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }

    /// <summary>The fenced block after the marker <c>&lt;!-- name --&gt;</c> in docs/prompts.md.</summary>
    private static string DocsBlock(string name)
    {
        var page = File.ReadAllText(DocsPage).ReplaceLineEndings("\n");
        var marker = page.IndexOf($"<!-- {name} -->", StringComparison.Ordinal);
        Assert.True(marker >= 0, $"docs/prompts.md has no <!-- {name} --> marker.");
        var start = page.IndexOf("````text\n", marker, StringComparison.Ordinal) + "````text\n".Length;
        var end = page.IndexOf("````\n", start, StringComparison.Ordinal);
        return page[start..end];
    }
}
