using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Orchestrator.Tasks;
using Npgsql;

namespace DevServer.Orchestrator.Repositories;

/// <summary>
/// The latest command the verifier detected per repository and stage (<c>repository_detected_commands</c>), so the
/// repository shows what detection runs for the stages it leaves empty.
/// </summary>
internal static class DetectedCommands
{
    /// <summary>
    /// Remembers a detected stage for the locked task's repository. Runs inside the task's change, after the task and
    /// assignment rows are locked and before the events are appended (the house lock order).
    /// </summary>
    public static Task RecordAsync(TaskChange change, StageStarted stage, CancellationToken cancellationToken) =>
        StageName(stage.Stage) is not { } name || stage.DetectedFrom.Length == 0
            ? Task.CompletedTask
            : change.ExecuteAsync(
                """
                INSERT INTO repository_detected_commands (repository_id, stage, command, detected_from, task_id, detected_at)
                SELECT repository_id, @stage, @command, @detected_from, id, @now FROM tasks WHERE id = @task
                ON CONFLICT (repository_id, stage) DO UPDATE
                SET command = excluded.command, detected_from = excluded.detected_from, task_id = excluded.task_id,
                    detected_at = excluded.detected_at
                -- Two verifications of the repository at once: the one that read the clock later wins.
                WHERE repository_detected_commands.detected_at <= excluded.detected_at
                """,
                p =>
                {
                    p.AddWithValue("stage", name);
                    p.AddWithValue("command", stage.Command);
                    p.AddWithValue("detected_from", stage.DetectedFrom);
                },
                cancellationToken);

    /// <summary>Adds the stored detections to <paramref name="repositories"/> with one query, whatever their number.</summary>
    public static async Task AddToAsync(NpgsqlDataSource dataSource, IReadOnlyCollection<Repository> repositories, CancellationToken cancellationToken)
    {
        if (repositories.Count == 0)
        {
            return;
        }

        var byId = repositories.ToDictionary(r => r.Id);
        await using var command = dataSource.CreateCommand(
            """
            SELECT repository_id, stage, command, detected_from, task_id, detected_at
            FROM repository_detected_commands WHERE repository_id = ANY(@ids)
            ORDER BY repository_id, array_position(ARRAY['pre', 'build', 'test', 'lint'], stage)
            """);
        command.Parameters.AddWithValue("ids", byId.Keys.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            byId[reader.GetInt64(0)].DetectedCommands.Add(new DetectedCommand
            {
                Stage = StageKindOf(reader.GetString(1)),
                Command = reader.GetString(2),
                DetectedFrom = reader.GetString(3),
                TaskId = reader.GetInt64(4),
                DetectedAt = TaskMappings.ToTimestamp(reader, 5),
            });
        }
    }

    private static string? StageName(StageKind stage) => stage switch
    {
        StageKind.Pre => "pre",
        StageKind.Build => "build",
        StageKind.Test => "test",
        StageKind.Lint => "lint",
        _ => null,
    };

    private static StageKind StageKindOf(string name) => name switch
    {
        "pre" => StageKind.Pre,
        "build" => StageKind.Build,
        "test" => StageKind.Test,
        "lint" => StageKind.Lint,
        _ => StageKind.Unspecified,
    };
}
