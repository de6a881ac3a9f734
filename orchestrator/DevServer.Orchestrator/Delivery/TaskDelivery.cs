using DevServer.Contracts.Events.V1;
using DevServer.Delivery.Forges;
using DevServer.Delivery.Git;
using DevServer.Delivery.Preflight;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tasks;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Npgsql;
using ContractFinding = DevServer.Contracts.Events.V1.PreflightFinding;

namespace DevServer.Orchestrator.Delivery;

/// <summary>
/// Delivers one claimed task, top to bottom: the preflight gate, the diff statistics (the series applied and exported),
/// the task's flow, and the outcome recorded through <see cref="TaskTransitions"/>. Running it again from the top is
/// safe (same commit ids, find-or-create pull request), which is how a crash or a transient failure is recovered.
/// The forge token is resolved here, at the last moment, and goes only into <see cref="GitCredentials"/> and the forge
/// client: never into an event, a status reason or a log line.
/// </summary>
internal sealed partial class TaskDelivery(
    NpgsqlDataSource dataSource,
    SecretProtector secrets,
    TaskTransitions transitions,
    GitDelivery git,
    IHttpClientFactory httpClients,
    IOptions<DeliveryOptions> options,
    TimeProvider clock,
    ILogger<TaskDelivery> logger)
{
    public const string HttpClientName = "forge";
    private const int MaxReasonLength = 2000;

    /// <summary>True when the task (locked by <paramref name="change"/>) was blocked by delivery, not by its work.</summary>
    public static async Task<bool> WasBlockedByDeliveryAsync(TaskChange change, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT delivery_blocked FROM tasks WHERE id = @task", change.Transaction.Connection, change.Transaction);
        command.Parameters.AddWithValue("task", change.TaskId);
        return await command.ExecuteScalarAsync(cancellationToken) as string == "delivery";
    }

    /// <summary>
    /// Delivers the task claimed until <paramref name="claim"/>, renewing the claim while it works (see
    /// <see cref="DeliveryLease"/>); stops its work and records nothing if the claim is lost meanwhile.
    /// </summary>
    public async Task DeliverAsync(long taskId, DateTimeOffset claim, CancellationToken cancellationToken)
    {
        await using var lease = DeliveryLease.Start(transitions, clock, options.Value.Lease, taskId, claim, logger, cancellationToken);
        Conclusion? conclusion = null;
        try
        {
            conclusion = await WorkAsync(taskId, lease.Token);
        }
        catch (OperationCanceledException) when (lease.Lost && !cancellationToken.IsCancellationRequested)
        {
            // The lease stopped the work (and logged why): whoever holds the task now delivers it.
        }

        // Stopped before recording: no renewal moves the claim between the final check and the outcome.
        if (await lease.StopAsync() is not { } heldClaim || conclusion is null)
        {
            return;
        }

        await RecordAsync(taskId, heldClaim, conclusion.Attempt, conclusion.Result, conclusion.Measured, cancellationToken);
    }

    /// <summary>What one delivery concluded: the attempt whose work it delivered, the result, the statistics it measured.</summary>
    private sealed record Conclusion(int Attempt, DeliveryResult Result, (long RunId, DiffStatistics Statistics)? Measured);

    /// <summary>The delivery's work, up to the result; nothing is recorded here.</summary>
    private async Task<Conclusion> WorkAsync(long taskId, CancellationToken cancellationToken)
    {
        DeliveryContext? context = null;
        DeliveryResult result;
        DiffStatistics? statistics = null;
        try
        {
            context = await DeliveryContext.ReadAsync(dataSource, secrets, taskId, cancellationToken);
            if (context is null)
            {
                return new Conclusion(0, DeliveryResult.Blocked("no verified work to deliver", byPreflight: false), null);
            }

            var report = PreflightGate.Scan(context.Series, context.Preflight);
            if (!report.Passed)
            {
                return new Conclusion(context.Attempt, DeliveryResult.Preflight(report.Findings), null);
            }

            if (context.TokenProblem is { } problem && UsesForgeToken(context))
            {
                // Blocked, not retried: no retry decrypts it. A person sets the key or the token, then retries the task.
                // A delivery that would not use the token (a local path, a patch from a non-http remote) goes on.
                return new Conclusion(context.Attempt, DeliveryResult.Blocked(problem, byPreflight: false), null);
            }

            var repository = Repository(context);
            var export = await git.ExportPatchesAsync(repository, context.Series, context.BaseCommit, cancellationToken);
            if (export.Outcome.Succeeded || export.Outcome.Status == GitDeliveryStatus.NothingToDeliver)
            {
                statistics = export.Statistics;
            }

            result = context.Flow switch
            {
                // Patch only: the gate passed and the series is downloadable; an export that failed only loses the statistics.
                DeliveryFlows.Patch => DeliveryResult.Success(DeliveryFlows.Patch, "", "", null, "preflight passed; the patch is ready"),
                _ when !export.Outcome.Succeeded && export.Outcome.Status != GitDeliveryStatus.NothingToDeliver => FromGit(context.Flow, export.Outcome, "apply"),
                _ when context.Kind == RepositoryKind.LocalFolder => await LocalFolderAsync(context, repository, cancellationToken),
                DeliveryFlows.DirectCommit => await DirectCommitAsync(context, repository, cancellationToken),
                _ => await PullRequestAsync(context, repository, export, cancellationToken),
            };
        }
        catch (ArgumentException exception)
        {
            // The library refuses a repository it must never touch (a location carrying credentials); its message
            // never repeats the location. Retrying cannot help: a person must fix the repository.
            result = DeliveryResult.Blocked($"the repository cannot be delivered to: {exception.Message}", byPreflight: false);
        }
        catch (Exception exception) when (!IsCancelled(exception, cancellationToken) && exception is not NpgsqlException)
        {
            // The last resort: a bug or a surprise anywhere in delivery (a git that ran out of time, an answer nobody
            // expected) must not escape into the loop, where it would stop the host, and again after every restart.
            // Retried like an outage, so the retry limit blocks the task if it keeps happening. The database's own
            // failures go to the loop, which retries the round (the lease then expires and the task is taken again).
            // Cancellation (shutdown, or the lease found the claim lost) is not a failure of the delivery either.
            // The type and the stack only: a message may quote anything, and the reason is shown to users.
            LogDeliveryCrashed(logger, taskId, exception.GetType().FullName ?? exception.GetType().Name, exception.StackTrace ?? string.Empty);
            result = DeliveryResult.Transient($"delivery failed unexpectedly ({exception.GetType().Name}); see the orchestrator log");
        }

        var measured = context is not null && statistics is not null ? (context.RunId, statistics) : ((long, DiffStatistics)?)null;
        return new Conclusion(context?.Attempt ?? 0, result, measured);
    }

    private static bool IsCancelled(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;

    private async Task<DeliveryResult> PullRequestAsync(
        DeliveryContext context, DeliveryRepository repository, PatchExport export, CancellationToken cancellationToken)
    {
        if (ForgeOf(context) is not { } forge)
        {
            return DeliveryResult.Blocked(
                context.ForgeKind == "none"
                    ? "the repository has no forge (forge: none): pull requests are impossible; choose direct commit or patch"
                    : "the forge cannot be derived from the repository's location; set its forge kind, URL and owner/name",
                byPreflight: false);
        }

        if (TokenFor(context, forge) is not { } token)
        {
            return DeliveryResult.Blocked($"no forge token for {forge.BaseUrl.Host}: set one on the repository (--forge-token-file)", byPreflight: false);
        }

        var branch = BranchNames.ForTask(context.TaskId, context.Title);
        var pushed = await git.PushBranchAsync(repository, context.Series, context.BaseCommit, branch, cancellationToken);
        if (!pushed.Succeeded)
        {
            return FromGit(DeliveryFlows.PullRequest, pushed, "push");
        }

        var body = PullRequestBody.Build(new PullRequestSummary(
            context.TaskId, context.Title, export.Subjects, export.Statistics, context.Stages, context.Metrics));
        var client = forge.CreateClient(httpClients.CreateClient(HttpClientName), token, options.Value.ForgeTimeout);
        var opened = await client.FindOrCreatePullRequestAsync(
            forge.Repository, branch, context.BaseBranch, $"[task {context.TaskId}] {context.Title}", body, cancellationToken);
        return opened.Succeeded
            ? DeliveryResult.Success(DeliveryFlows.PullRequest, branch, pushed.Commit, opened.PullRequest, $"pull request {opened.Status.ToString().ToLowerInvariant()}")
            : opened.Retryable
                ? DeliveryResult.Transient(Reason("the forge", opened)) with { RetryAfter = opened.RetryAfter }
                : DeliveryResult.Blocked(Reason("the forge refused the pull request", opened), byPreflight: false);
    }

    private async Task<DeliveryResult> DirectCommitAsync(DeliveryContext context, DeliveryRepository repository, CancellationToken cancellationToken)
    {
        var message = BranchNames.CommitMessage(context.TaskId, context.Title, context.Description);
        var outcome = await git.CommitDirectAsync(repository, context.Series, context.BaseCommit, message, cancellationToken);
        return outcome.Status == GitDeliveryStatus.NothingToDeliver
            // A repeated delivery (the commit landed before a crash) finds its work already on the branch.
            ? DeliveryResult.Success(DeliveryFlows.DirectCommit, context.BaseBranch, outcome.Commit, null, "the work is already on the branch")
            : outcome.Succeeded
                ? DeliveryResult.Success(DeliveryFlows.DirectCommit, context.BaseBranch, outcome.Commit, null, $"committed to {context.BaseBranch}")
                : FromGit(DeliveryFlows.DirectCommit, outcome, "commit");
    }

    private async Task<DeliveryResult> LocalFolderAsync(DeliveryContext context, DeliveryRepository repository, CancellationToken cancellationToken)
    {
        var branch = BranchNames.ForTask(context.TaskId, context.Title);
        var outcome = await git.DeliverToLocalFolderAsync(repository, context.Series, context.BaseCommit, branch, cancellationToken);
        return outcome.Succeeded
            ? DeliveryResult.Success(context.Flow, branch, outcome.Commit, null, $"branch {branch} created in the local folder")
            : FromGit(context.Flow, outcome, "local folder");
    }

    private DeliveryRepository Repository(DeliveryContext context)
    {
        var repository = new DeliveryRepository(context.RepositoryName, context.Location, context.BaseBranch) { Kind = context.Kind };
        if (!IsHttp(context.Location) || ForgeOf(context) is not { } forge || TokenFor(context, forge) is not { } token)
        {
            return repository;
        }

        return repository with { Credentials = forge.Kind == ForgeKind.GitHub ? GitCredentials.GitHub(token) : GitCredentials.Gitea(token) };
    }

    private static bool IsHttp(string location) =>
        Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    /// <summary>Whether this delivery sends a forge token: git over http(s) does, and so does a pull request's forge API.</summary>
    private static bool UsesForgeToken(DeliveryContext context) =>
        context.Kind != RepositoryKind.LocalFolder && (IsHttp(context.Location) || context.Flow == DeliveryFlows.PullRequest);

    private static ForgeLocation? ForgeOf(DeliveryContext context)
    {
        if (context.ForgeKind == "none")
        {
            return null;
        }

        ForgeKind? kind = context.ForgeKind switch { "gitea" => ForgeKind.Gitea, "github" => ForgeKind.GitHub, _ => null };
        var derived = ForgeLocation.FromCloneUrl(context.Location, kind);
        var repositoryName = context.ForgeRepository.Split('/') is [var owner, var name] ? new ForgeRepository(owner, name) : derived?.Repository;
        var baseUrl = context.ForgeApiUrl.Length > 0 ? new Uri(context.ForgeApiUrl) : derived?.BaseUrl;
        if (repositoryName is null || baseUrl is null)
        {
            return null;
        }

        return new ForgeLocation(kind ?? derived?.Kind ?? ForgeKind.Gitea, baseUrl, repositoryName);
    }

    /// <summary>The repository's token, else the configured one for the forge's host.</summary>
    private string? TokenFor(DeliveryContext context, ForgeLocation forge) =>
        context.RepositoryToken is { Length: > 0 } token ? token
        : options.Value.ForgeTokens.TryGetValue(forge.BaseUrl.Host, out var global) && global.Length > 0 ? global
        : null;

    private static DeliveryResult FromGit(string flow, GitDeliveryOutcome outcome, string step)
    {
        var reason = outcome.Status switch
        {
            GitDeliveryStatus.Conflict => $"the work conflicts with the latest {outcome.Ref.Replace("refs/heads/", "", StringComparison.Ordinal)} in: {string.Join(", ", outcome.ConflictingFiles)}",
            GitDeliveryStatus.ApplyFailed => $"the verified work does not apply on its base commit: {outcome.Message}",
            _ => $"{step} failed ({outcome.Status.ToString().ToLowerInvariant()}): {outcome.Message}",
        };
        return outcome.Retryable ? DeliveryResult.Transient(reason) : DeliveryResult.Blocked(reason, byPreflight: false) with { Flow = flow };
    }

    private static string Reason(string what, ForgeOutcome outcome) =>
        $"{what}: {outcome.Status}{(outcome.HttpStatus is { } status ? $" (HTTP {status})" : "")}{(outcome.Message.Length > 0 ? $": {outcome.Message}" : "")}";

    private async Task RecordAsync(
        long taskId, DateTimeOffset claim, int attempt, DeliveryResult result, (long RunId, DiffStatistics Statistics)? measured, CancellationToken cancellationToken)
    {
        var retry = options.Value;
        await transitions.ChangeAsync(taskId, async change =>
        {
            if (!await DeliveryLease.IsHeldAsync(change, claim, cancellationToken))
            {
                // Cancelled meanwhile, or another instance took over after our lease ran out: its outcome counts.
                return false;
            }

            if (measured is { } m)
            {
                await change.ExecuteAsync(
                    "UPDATE runs SET diff_statistics = @stats::jsonb WHERE id = @run",
                    p => { p.AddWithValue("stats", DiffStatisticsJson.Serialize(m.Statistics)); p.AddWithValue("run", m.RunId); },
                    cancellationToken);
            }

            var reason = Truncate(result.Reason);
            switch (result.Kind)
            {
                case DeliveryResultKind.Delivered:
                    await change.ExecuteAsync(
                        """
                        UPDATE tasks SET delivered_flow = @flow, delivered_branch = @branch, delivered_commit = @commit,
                               pull_request_url = @url, pull_request_number = @number, delivered_at = @now,
                               delivery_claimed_until = NULL, delivery_not_before = NULL, delivery_failures = 0, delivery_blocked = ''
                        WHERE id = @task
                        """,
                        p =>
                        {
                            p.AddWithValue("flow", result.Flow);
                            p.AddWithValue("branch", result.Branch);
                            p.AddWithValue("commit", result.Commit);
                            p.AddWithValue("url", result.PullRequest?.Url ?? "");
                            p.AddWithValue("number", result.PullRequest?.Number ?? 0L);
                        },
                        cancellationToken);
                    change.AddEvent(attempt, new TaskEvent
                    {
                        Delivered = new Delivered
                        {
                            Flow = DeliveryFlows.FromStored(result.Flow),
                            Branch = result.Branch,
                            Commit = result.Commit,
                            PullRequestUrl = result.PullRequest?.Url ?? "",
                        },
                    });
                    change.SetStatus(TaskStatuses.Done, result.PullRequest is { } pr ? $"delivered: {pr.Url}" : $"delivered: {reason}", attempt);
                    break;
                case DeliveryResultKind.Transient:
                    var failures = await IncrementFailuresAsync(change, cancellationToken);
                    if (failures > retry.MaxRetries)
                    {
                        await BlockAsync(change, attempt, $"delivery failed {failures} times in a row; last: {reason}", "delivery", cancellationToken);
                        break;
                    }

                    var next = change.Now + retry.RetryDelay(failures, result.RetryAfter);
                    await change.ExecuteAsync(
                        "UPDATE tasks SET delivery_claimed_until = NULL, delivery_not_before = @next WHERE id = @task",
                        p => p.AddWithValue("next", next), cancellationToken);
                    change.AddEvent(attempt, new TaskEvent
                    {
                        DeliveryFailed = new DeliveryFailed { Reason = reason, Retrying = true, NextAttemptAt = Timestamp.FromDateTimeOffset(next) },
                    });
                    break;
                default:
                    foreach (var finding in result.Findings)
                    {
                        change.AddEvent(attempt, new TaskEvent
                        {
                            PreflightFinding = new ContractFinding { Rule = finding.RuleId, File = finding.File, Line = finding.Line, Preview = finding.Preview },
                        });
                    }

                    await BlockAsync(change, attempt, reason, result.ByPreflight ? "preflight" : "delivery", cancellationToken);
                    break;
            }

            return true;
        }, cancellationToken);
    }

    private static async Task BlockAsync(TaskChange change, int attempt, string reason, string blockedBy, CancellationToken cancellationToken)
    {
        await change.ExecuteAsync(
            "UPDATE tasks SET delivery_claimed_until = NULL, delivery_not_before = NULL, delivery_blocked = @by WHERE id = @task",
            p => p.AddWithValue("by", blockedBy), cancellationToken);
        change.AddEvent(attempt, new TaskEvent { DeliveryFailed = new DeliveryFailed { Reason = reason, Retrying = false } });
        change.SetStatus(TaskStatuses.Blocked, reason, attempt);
    }

    private static async Task<int> IncrementFailuresAsync(TaskChange change, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE tasks SET delivery_failures = delivery_failures + 1 WHERE id = @task RETURNING delivery_failures",
            change.Transaction.Connection, change.Transaction);
        command.Parameters.AddWithValue("task", change.TaskId);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string Truncate(string text) => text.Length <= MaxReasonLength ? text : text[..MaxReasonLength] + "…";

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery of task {TaskId} failed unexpectedly ({ExceptionType}); it is retried, then blocked after the retry limit. At:\n{StackTrace}")]
    private static partial void LogDeliveryCrashed(ILogger logger, long taskId, string exceptionType, string stackTrace);
}
