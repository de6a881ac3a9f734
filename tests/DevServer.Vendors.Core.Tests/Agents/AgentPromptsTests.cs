using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>What the agent is told: the whole task on a new session, only what is new on a resumed one.</summary>
public sealed class AgentPromptsTests
{
    private readonly AgentPrompts _prompts = new();

    [Fact]
    public void FirstPrompt_FullTask_TitleDescriptionAcceptanceFailureAndRulesInOrder()
    {
        var prompt = _prompts.FirstPrompt(Work(previousFailure: "The tests failed."));

        string[] parts = ["# Add a greeting", "Print hello.", "## Acceptance", "It prints hello.", "## Previous attempt", "The tests failed.", "## Rules", "Do not commit"];
        var order = parts.Select(part => prompt.IndexOf(part, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
    }

    [Fact]
    public void FirstPrompt_FirstAttempt_NoPreviousAttemptSection()
    {
        Assert.DoesNotContain("## Previous attempt", _prompts.FirstPrompt(Work()), StringComparison.Ordinal);
    }

    [Fact]
    public void ResumePrompt_OnlyTheNewInformationAndTheContinueLine()
    {
        var prompt = _prompts.ResumePrompt(Work(previousFailure: "You ran out of turns."));

        Assert.Equal("Your previous run ended without finishing the task:\n\nYou ran out of turns.\n\nContinue the task where you left off.\n", prompt.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Prompts_Remediation_ReplacesTheRawFailureWithClassHintAndEvidence()
    {
        var work = Work(previousFailure: "raw output nobody should read");
        work.Agent.Remediation = new Remediation { Key = "dotnet.compile", Hint = "Fix CS0246 in Greeter.cs line 3.", Evidence = { "Greeter.cs(3,5): error CS0246" } };

        string[] prompts = [_prompts.FirstPrompt(work), _prompts.ResumePrompt(work)];
        foreach (var prompt in prompts)
        {
            Assert.DoesNotContain("raw output", prompt, StringComparison.Ordinal);
            Assert.Contains("Failure class: dotnet.compile", prompt, StringComparison.Ordinal);
            Assert.Contains("Fix CS0246 in Greeter.cs line 3.", prompt, StringComparison.Ordinal);
            Assert.Contains("Greeter.cs(3,5): error CS0246", prompt, StringComparison.Ordinal);
        }
    }

    private static Assignment Work(string previousFailure = "") => new()
    {
        TaskId = 7,
        Agent = new AgentWork
        {
            Task = new TaskBrief { Title = "Add a greeting", Description = "Print hello.", Acceptance = "It prints hello." },
            PreviousFailure = previousFailure,
        },
    };
}
