using System.Globalization;
using System.Text;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;

namespace DevServer.Cli.Output;

/// <summary>Delivery as people read it: flows, forges, a task's delivery, diff statistics and delivery events.</summary>
internal static class DeliveryFormatting
{
    /// <summary>The command-line word of a flow (<c>pr</c>, <c>commit</c>, <c>patch</c>).</summary>
    public static string Flow(DeliveryFlow flow) => flow switch
    {
        DeliveryFlow.PullRequest => "pr",
        DeliveryFlow.DirectCommit => "commit",
        DeliveryFlow.Patch => "patch",
        _ => "default",
    };

    public static string Forge(ForgeKind forge) => forge switch
    {
        ForgeKind.None => "none",
        ForgeKind.Gitea => "gitea",
        ForgeKind.Github => "github",
        _ => "derived from the location",
    };

    /// <summary>The delivery fields of <c>task show</c>.</summary>
    public static IEnumerable<(string Name, string Value)> TaskFields(AgentTask task, TimeZoneInfo zone)
    {
        yield return ("delivery", task.DeliveryFlow == DeliveryFlow.Unspecified ? "the repository's default" : Flow(task.DeliveryFlow));
        if (task.Delivery is not { } delivery)
        {
            yield break;
        }

        yield return ("delivered", $"{Flow(delivery.Flow)} at {Words.DateTime(delivery.DeliveredAt, zone)}");
        if (delivery.PullRequestUrl.Length > 0)
        {
            yield return ("pull request", string.Create(CultureInfo.InvariantCulture, $"#{delivery.PullRequestNumber} {delivery.PullRequestUrl}"));
        }

        if (delivery.Branch.Length > 0)
        {
            yield return ("pushed", delivery.Commit.Length > 0 ? $"{delivery.Branch} @ {Words.ShortCommit(delivery.Commit)}" : delivery.Branch);
        }
    }

    /// <summary>The delivery fields of <c>repo show</c>; the token is never known here, only whether there is one.</summary>
    public static IEnumerable<(string Name, string Value)> RepositoryFields(DeliverySettings? settings)
    {
        settings ??= new DeliverySettings();
        var preflight = settings.Preflight ?? new PreflightSettings();
        yield return ("delivery", settings.DefaultFlow == DeliveryFlow.Unspecified ? "patch (default)" : Flow(settings.DefaultFlow));
        yield return ("forge", Forge(settings.Forge));
        if (settings.ForgeApiUrl.Length > 0)
        {
            yield return ("forge url", settings.ForgeApiUrl);
        }

        if (settings.ForgeRepository.Length > 0)
        {
            yield return ("forge repo", settings.ForgeRepository);
        }

        yield return ("forge token", settings.HasForgeToken ? "stored" : "none (the orchestrator's per-host token, if any)");
        if (preflight.DenyPaths.Count > 0)
        {
            yield return ("deny paths", string.Join(", ", preflight.DenyPaths));
        }

        if (preflight.AllowPaths.Count > 0)
        {
            yield return ("allow paths", string.Join(", ", preflight.AllowPaths));
        }

        if (preflight.AllowedAuthorEmails.Count > 0)
        {
            yield return ("authors", string.Join(", ", preflight.AllowedAuthorEmails));
        }
    }

    /// <summary><c>git diff --stat</c>-like lines.</summary>
    public static string Statistics(DiffStatistics statistics)
    {
        var text = new StringBuilder();
        var width = statistics.Files.Count == 0 ? 0 : statistics.Files.Max(f => f.Path.Length);
        foreach (var file in statistics.Files)
        {
            var change = file.Binary ? "Bin" : string.Create(CultureInfo.InvariantCulture, $"+{file.Insertions} -{file.Deletions}");
            text.Append(' ').Append(file.Path.PadRight(width)).Append(" | ").Append(change).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture,
            $" {statistics.FilesChanged} file{(statistics.FilesChanged == 1 ? "" : "s")} changed, {statistics.Insertions} insertions(+), {statistics.Deletions} deletions(-)\n");
        return text.ToString();
    }

    public static (string Kind, string Detail)? Describe(TaskEvent taskEvent, TimeZoneInfo zone) => taskEvent.KindCase switch
    {
        TaskEvent.KindOneofCase.DeliveryStarted => ("deliver", $"delivering ({Flow(taskEvent.DeliveryStarted.Flow)})"),
        TaskEvent.KindOneofCase.PreflightFinding => ("preflight", Finding(taskEvent.PreflightFinding)),
        TaskEvent.KindOneofCase.Delivered => ("delivered", Delivered(taskEvent.Delivered)),
        TaskEvent.KindOneofCase.DeliveryFailed => ("deliver", Failed(taskEvent.DeliveryFailed, zone)),
        _ => null,
    };

    private static string Finding(PreflightFinding finding)
    {
        var where = finding.File.Length == 0 ? "" : finding.Line > 0 ? string.Create(CultureInfo.InvariantCulture, $" {finding.File}:{finding.Line}") : $" {finding.File}";
        return $"{finding.Rule}{where}: {finding.Preview}";
    }

    private static string Delivered(Delivered delivered)
    {
        var text = Flow(delivered.Flow);
        if (delivered.Branch.Length > 0)
        {
            text += $" to {delivered.Branch}" + (delivered.Commit.Length > 0 ? $" @ {Words.ShortCommit(delivered.Commit)}" : "");
        }

        return delivered.PullRequestUrl.Length > 0 ? $"{text}: {delivered.PullRequestUrl}" : text;
    }

    private static string Failed(DeliveryFailed failed, TimeZoneInfo zone) =>
        failed.Retrying && failed.NextAttemptAt is not null
            ? $"failed, retrying at {Words.TimeOfDay(failed.NextAttemptAt, zone)}: {failed.Reason}"
            : $"failed: {failed.Reason}";
}
