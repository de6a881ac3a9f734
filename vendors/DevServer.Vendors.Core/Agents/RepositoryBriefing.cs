using DevServer.RepoInsight;

namespace DevServer.Vendors.Core.Agents;

/// <summary>
/// What the repository tells an agent before it starts, for a first prompt: its own guidance files (AGENTS.md,
/// CLAUDE.md, ...) and a map of its code (the most informative files' definitions), each within a budget.
/// </summary>
/// <param name="Guidance">The guidance files, each under its name; empty when there are none.</param>
/// <param name="Map">The map's text; empty when the repository has no code the map knows.</param>
public sealed record RepositoryBriefing(string Guidance, string Map)
{
    /// <summary>Reads the briefing of the worktree at <paramref name="worktree"/>; maps of clean commits are cached in <paramref name="mapCache"/>.</summary>
    public static async Task<RepositoryBriefing> ReadAsync(
        string worktree, string mapCache, int guidanceBudget, int mapBudget, CancellationToken cancellationToken)
    {
        var guidance = guidanceBudget > 0
            ? (await RepoGuidance.CollectAsync(worktree, guidanceBudget, workingFolder: null, cancellationToken)).Text
            : "";
        var map = mapBudget > 0
            ? await RepoMap.BuildAsync(worktree, new RepoMapOptions { Budget = mapBudget, CacheDirectory = mapCache }, cancellationToken)
            : null;
        // A repository without code the map knows gets no map section at all.
        return new RepositoryBriefing(guidance.Trim(), map is { FilesShown: > 0 } ? map.Text.TrimEnd() : "");
    }
}
