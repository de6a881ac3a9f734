using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>git: authentication, merge conflicts, rejected pushes, nothing to commit.</summary>
internal static partial class GitRules
{
    public static readonly FailureRule Auth = Create(
        "git.auth",
        FailureSeverity.Hard,
        "git could not authenticate to the remote (Authentication failed, could not read Username, Permission denied (publickey)).",
        AuthMatch(),
        c => $"git could not authenticate{c.Optional("remote", " to ")}: {c["message"]}. Retrying cannot fix this: fix the repository's credentials (token, SSH key) on the worker.");

    public static readonly FailureRule MergeConflict = Create(
        "git.merge_conflict",
        FailureSeverity.Hard,
        "A merge, rebase or cherry-pick stopped on conflicts (CONFLICT (content): Merge conflict in file).",
        MergeConflictMatch(),
        c => $"Merge conflict ({c["kind"]}){c.Optional("file", " in ")}{c.Optional("message", ": ")}. The branch and its base changed the same lines: rebase the task on the current base (or resolve the markers by hand) before another attempt.");

    public static readonly FailureRule PushRejected = Create(
        "git.push_rejected",
        FailureSeverity.Recoverable,
        "git push was rejected (non-fast-forward / fetch first / remote hook).",
        PushRejectedMatch(),
        c => $"git push of {c["ref"]} was rejected ({c["reason"]}): the remote has commits the branch lacks. Fetch and rebase onto it, then push again; never force-push over others' work.");

    public static readonly FailureRule NothingToCommit = Create(
        "git.nothing_to_commit",
        FailureSeverity.Recoverable,
        "The attempt produced no changes to commit (nothing to commit, working tree clean).",
        NothingToCommitMatch(),
        c => $"git: {c["message"]} — the attempt changed no files. Re-read the task and make the edits it asks for.");

    [GeneratedRegex("""(?<message>Authentication failed for '(?<remote>[^']+)'|could not read (?:Username|Password) for '(?<remote>[^']+)'.*|Permission denied \(publickey[^)]*\)|Invalid username or (?:password|token)|HTTP Basic: Access denied)""", Options, TimeoutMilliseconds)]
    private static partial Regex AuthMatch();

    [GeneratedRegex("""^CONFLICT \((?<kind>[^)]+)\): (?:Merge conflict in (?<file>.+)|(?<message>.+))$""", Options, TimeoutMilliseconds)]
    private static partial Regex MergeConflictMatch();

    [GeneratedRegex("""^ ! \[(?:rejected|remote rejected)\] +(?<ref>\S+ -> \S+) \((?<reason>[^)]+)\)""", Options, TimeoutMilliseconds)]
    private static partial Regex PushRejectedMatch();

    [GeneratedRegex("""^(?<message>nothing to commit|nothing added to commit|no changes added to commit)""", Options, TimeoutMilliseconds)]
    private static partial Regex NothingToCommitMatch();
}
