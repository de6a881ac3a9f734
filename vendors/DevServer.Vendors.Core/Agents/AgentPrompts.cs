using System.Text;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;

namespace DevServer.Vendors.Core.Agents;

/// <summary>
/// Every word the kit says to an agent, in one place: the first prompt of a task, the short prompt of a resumed
/// session, and the standing instructions.
/// </summary>
/// <remarks>
/// The first prompt holds the task, its acceptance criteria, the repository's guidance and map
/// (<see cref="RepositoryBriefing"/>), what went wrong before, and the rules. A resumed session already has all of it
/// in its history, so <see cref="ResumePrompt"/> holds only the new information. docs/prompts.md shows both, rendered.
/// </remarks>
public sealed class AgentPrompts
{
    /// <summary>
    /// Rules for every run. Short on purpose: the kit commits the work and moves it as a patch series, so the agent
    /// must neither commit nor leave the worktree.
    /// </summary>
    public string Instructions { get; init; } =
        """
        You work unattended in a git worktree prepared for this task; nobody will answer questions.
        - Stay inside the current directory; change only files of this repository.
        - Do not commit, push, rebase or switch branches: your changes are committed for you when you finish.
        - Finish the task completely (code, tests, docs it needs), then stop with a one-paragraph summary.
        """;

    /// <summary>The last line of a resumed session's prompt.</summary>
    public string ContinueLine { get; init; } = "Continue the task where you left off.";

    /// <summary>The whole task, for a new session.</summary>
    public string FirstPrompt(Assignment assignment, RepositoryBriefing? briefing = null)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var work = assignment.Agent;
        var task = work.Task ?? new TaskBrief();
        var prompt = new StringBuilder();
        prompt.Append("# ").AppendLine(task.Title).AppendLine();
        if (!string.IsNullOrWhiteSpace(task.Description))
        {
            prompt.AppendLine(task.Description.TrimEnd()).AppendLine();
        }

        if (!string.IsNullOrWhiteSpace(task.Acceptance))
        {
            prompt.AppendLine("## Acceptance").AppendLine().AppendLine(task.Acceptance.TrimEnd()).AppendLine();
        }

        if (briefing is { Guidance.Length: > 0 })
        {
            prompt.AppendLine("## The repository's guidance").AppendLine().AppendLine(briefing.Guidance).AppendLine();
        }

        if (briefing is { Map.Length: > 0 })
        {
            prompt.AppendLine("## Map of the code").AppendLine().AppendLine(briefing.Map).AppendLine();
        }

        if (PreviousFailure(work) is { } failure)
        {
            prompt.AppendLine("## Previous attempt").AppendLine()
                .AppendLine("An earlier attempt at this task failed:").AppendLine()
                .AppendLine(failure).AppendLine();
        }

        prompt.AppendLine("## Rules").AppendLine().AppendLine(Instructions.TrimEnd());
        return prompt.ToString();
    }

    /// <summary>Only what is new, for a resumed session that already holds the task.</summary>
    public string ResumePrompt(Assignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var prompt = new StringBuilder();
        if (PreviousFailure(assignment.Agent) is { } failure)
        {
            prompt.AppendLine("Your previous run ended without finishing the task:").AppendLine().AppendLine(failure).AppendLine();
        }

        prompt.AppendLine(ContinueLine);
        return prompt.ToString();
    }

    // The orchestrator's classification (class, hint, evidence) when it made one, in place of the raw failure text:
    // shorter, and it names what to fix.
    private static string? PreviousFailure(AgentWork work)
    {
        if (work.Remediation is { } remediation && (remediation.Hint.Length > 0 || remediation.Evidence.Count > 0))
        {
            var text = new StringBuilder();
            text.Append("Failure class: ").AppendLine(remediation.Key);
            if (remediation.Hint.Length > 0)
            {
                text.Append("What to do: ").AppendLine(remediation.Hint.TrimEnd());
            }

            if (remediation.Evidence.Count > 0)
            {
                text.AppendLine("Evidence:").AppendLine("```");
                foreach (var line in remediation.Evidence)
                {
                    text.AppendLine(line);
                }

                text.AppendLine("```");
            }

            return text.ToString().TrimEnd();
        }

        return string.IsNullOrWhiteSpace(work.PreviousFailure) ? null : work.PreviousFailure.TrimEnd();
    }
}
