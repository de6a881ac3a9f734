using System.Globalization;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.Script;

/// <summary>What the command learns about its task: a prompt file and <c>DEVSERVER_*</c> variables.</summary>
internal static class AgentBrief
{
    private static readonly AgentPrompts Prompts = new();

    /// <summary>The prompt file: the kit's first prompt (task, acceptance, what went wrong before, the rules), as any agent gets it.</summary>
    public static string Prompt(Assignment assignment) => Prompts.FirstPrompt(assignment);

    /// <summary>The variables set for the command, on top of the scrubbed environment.</summary>
    public static Dictionary<string, string> Environment(Assignment assignment, string promptFile)
    {
        var work = assignment.Agent;
        var task = work.Task ?? new TaskBrief();
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DEVSERVER_TASK_ID"] = assignment.TaskId.ToString(CultureInfo.InvariantCulture),
            ["DEVSERVER_TASK_TITLE"] = task.Title,
            ["DEVSERVER_TASK_DESCRIPTION"] = task.Description,
            ["DEVSERVER_TASK_ACCEPTANCE"] = task.Acceptance,
            ["DEVSERVER_ATTEMPT"] = assignment.Attempt.ToString(CultureInfo.InvariantCulture),
            ["DEVSERVER_PREVIOUS_FAILURE"] = work.PreviousFailure,
            ["DEVSERVER_MODEL"] = work.Model,
            ["DEVSERVER_PROMPT_FILE"] = promptFile,
        };
    }
}
