using System.Globalization;
using System.Text;
using DevServer.Contracts.Repositories.V1;

namespace DevServer.Cli.Output;

/// <summary>Repositories as people read them.</summary>
internal static class RepositoryFormatting
{
    public static string List(IEnumerable<Repository> repositories)
    {
        var table = new Table("NAME", "ID", "BRANCH", "CHECKS", "LOCATION");
        foreach (var repository in repositories)
        {
            table.Add(
                repository.Name,
                repository.Id.ToString(CultureInfo.InvariantCulture),
                repository.DefaultBranch,
                Checks(repository.Commands),
                repository.Location);
        }

        return table.Count == 0 ? "No repositories.\n" : table.ToString();
    }

    public static string Show(Repository repository, TimeZoneInfo zone)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Repository {repository.Name} (id {repository.Id})\n");
        var commands = repository.Commands ?? new VerificationCommands();
        var fields = new List<(string Name, string Value)>
        {
            ("location", repository.Location),
            ("branch", repository.DefaultBranch),
            ("pre", Words.OrDash(commands.Pre)),
            ("build", Words.OrDash(commands.Build)),
            ("test", Words.OrDash(commands.Test)),
            ("lint", Words.OrDash(commands.Lint)),
            ("detection", repository.DetectCommands ? "empty stages are detected from the checkout" : "off"),
        };
        // What the verifier last detected, per stage; it runs only for the stages above that are empty.
        fields.AddRange(repository.DetectedCommands.Select(detected => (
            "detected",
            $"{Words.Stage(detected.Stage)}: {detected.Command} ({detected.DetectedFrom}, " +
            $"task {detected.TaskId.ToString(CultureInfo.InvariantCulture)}, {Words.DateTime(detected.DetectedAt, zone)})")));
        fields.AddRange(
        [
            ("stage timeout", Words.Duration(repository.StageTimeout)),
            ("max attempts", repository.MaxAttempts.ToString(CultureInfo.InvariantCulture)),
            ("attempt timeout", Words.Duration(repository.AttemptTimeout)),
            ("created", Words.DateTime(repository.CreatedAt, zone)),
            ("updated", Words.DateTime(repository.UpdatedAt, zone)),
        ]);
        fields.AddRange(DeliveryFormatting.RepositoryFields(repository.Delivery));
        TaskFormatting.AppendFields(text, fields);
        return text.ToString();
    }

    /// <summary>The stages that have a command, e.g. <c>build,test,lint</c>.</summary>
    public static string Checks(VerificationCommands? commands)
    {
        if (commands is null)
        {
            return "-";
        }

        var stages = new[] { ("pre", commands.Pre), ("build", commands.Build), ("test", commands.Test), ("lint", commands.Lint) }
            .Where(stage => !string.IsNullOrWhiteSpace(stage.Item2))
            .Select(stage => stage.Item1)
            .ToArray();
        return stages.Length == 0 ? "-" : string.Join(',', stages);
    }
}
