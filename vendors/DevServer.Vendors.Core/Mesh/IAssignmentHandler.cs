using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// The one piece a worker adds to the kit: what to do with an assignment. A vendor sidecar runs its agent
/// on <see cref="Assignment.Agent"/>; the verifier runs checks on <see cref="Assignment.Verify"/>.
/// </summary>
/// <remarks>
/// The kit calls <see cref="RunAsync"/> once per assignment, concurrently up to the worker's capacity. The
/// token is cancelled when the orchestrator cancels the assignment or the worker shuts down; the handler
/// then stops its processes (gracefully, then by force) and still returns a result, with a cancelled
/// outcome. Failures the handler expects (the agent exits non-zero, a stage fails, the worktree cannot be
/// prepared) are results, not exceptions; an exception is reported to the orchestrator as a failed result.
/// </remarks>
public interface IAssignmentHandler
{
    /// <summary>Does the work and returns its result (the kit fills in the assignment id and event count).</summary>
    Task<WorkResult> RunAsync(Assignment assignment, IWorkReporter reporter, CancellationToken cancellationToken);

    /// <summary>
    /// What the assignment uses in the worker's workspace, as paths relative to its root with '/' separators
    /// (<c>worktrees/task-42</c>): the workspace cleanup never removes them while the kit holds the assignment (from its
    /// arrival until the orchestrator has stored its result). By default an agent assignment's task worktree and run
    /// folder (<see cref="AgentAttempt.WorktreeName"/>); a handler that names its worktrees otherwise says so here.
    /// </summary>
    IEnumerable<string> WorkspacePathsInUse(Assignment assignment) =>
        assignment?.WorkCase == Assignment.WorkOneofCase.Agent
            ? [$"worktrees/{AgentAttempt.WorktreeName(assignment)}", $"{AgentAttempt.RunsFolder}/{AgentAttempt.WorktreeName(assignment)}"]
            : [];
}
