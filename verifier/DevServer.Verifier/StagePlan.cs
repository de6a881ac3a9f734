using DevServer.Contracts.Work.V1;
using DevServer.RepoInsight;
using VerificationStage = DevServer.Contracts.Work.V1.VerificationStage;
using InsightStage = DevServer.RepoInsight.VerificationStage;

namespace DevServer.Verifier;

/// <summary>One stage to run, with where its command came from when it was detected.</summary>
internal sealed record PlannedStage(VerificationStage Stage, string DetectedFrom);

/// <summary>
/// The stages of a verification in run order: the repository's commands, plus the commands detected in the checkout
/// for the stages the repository leaves to detection (a detected stage that finds nothing is skipped).
/// </summary>
internal static class StagePlan
{
    public static IReadOnlyList<PlannedStage> For(VerifyWork work, string checkout)
    {
        var planned = work.Stages.Where(stage => !string.IsNullOrWhiteSpace(stage.Command)).Select(stage => new PlannedStage(stage, "")).ToList();
        if (work.DetectStages.Count > 0)
        {
            // The given stages count as settings, so detection fills only the others.
            var given = work.Stages.ToDictionary(stage => stage.Kind, stage => stage.Command);
            var settings = new StageOverrides(
                Pre: Setting(StageKind.Pre), Build: Setting(StageKind.Build), Test: Setting(StageKind.Test), Lint: Setting(StageKind.Lint));
            var detected = VerificationDetector.Detect(checkout, settings);
            foreach (var kind in work.DetectStages.Distinct())
            {
                if (detected.For(ToInsight(kind)) is { Origin: StageOrigin.Detected, Command: { Length: > 0 } command } found)
                {
                    planned.Add(new PlannedStage(
                        new VerificationStage { Kind = kind, Command = command, Timeout = work.DetectedStageTimeout }, found.Reason));
                }
            }

            string? Setting(StageKind kind) =>
                given.TryGetValue(kind, out var command) ? command : work.DetectStages.Contains(kind) ? null : "";
        }

        return [.. planned.OrderBy(stage => stage.Stage.Kind)];
    }

    private static InsightStage ToInsight(StageKind kind) => kind switch
    {
        StageKind.Pre => InsightStage.Pre,
        StageKind.Build => InsightStage.Build,
        StageKind.Test => InsightStage.Test,
        StageKind.Lint => InsightStage.Lint,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a stage."),
    };
}
