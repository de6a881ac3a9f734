using System.Globalization;
using System.Text;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;

namespace DevServer.Vendors.Script;

/// <summary>What the command learns about its task: a prompt file and <c>DEVSERVER_*</c> variables.</summary>
internal static class AgentBrief
{
    /// <summary>The task written for an agent: title, description, acceptance and, on a retry, what went wrong.</summary>
    public static string Prompt(Assignment assignment)
    {
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

        if (!string.IsNullOrWhiteSpace(work.PreviousFailure))
        {
            prompt.AppendLine("## Previous attempt").AppendLine()
                .Append(CultureInfo.InvariantCulture, $"This is attempt {assignment.Attempt}. The previous attempt failed:")
                .AppendLine().AppendLine()
                .AppendLine(work.PreviousFailure.TrimEnd());
        }

        return prompt.ToString();
    }

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
