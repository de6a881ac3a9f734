using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using DevServer.Cli.Output;
using DevServer.Cli.Watching;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using Google.Protobuf.WellKnownTypes;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Commands;

/// <summary><c>devserver task create|list|show|cancel|retry|delete|retire|unretire|watch|events|patch</c>.</summary>
internal static class TaskCommands
{
    public static Command Build(CliApp app)
    {
        var task = new Command("task", "Create, follow and manage coding tasks.");
        task.Add(BuildCreate(app));
        task.Add(BuildList(app));
        task.Add(BuildShow(app));
        task.Add(BuildEnqueue(app));
        task.Add(BuildCancel(app));
        task.Add(BuildRetry(app));
        task.Add(BuildDelete(app));
        task.Add(BuildRetire(app, retired: true));
        task.Add(BuildRetire(app, retired: false));
        task.Add(BuildWatch(app));
        task.Add(EventCommands.BuildTaskEvents(app));
        task.Add(BuildPatch(app));
        return task;
    }

    private static Command BuildCreate(CliApp app)
    {
        var repo = Options.Text("--repo", "The repository's name or id (may come from --template)", "repo");
        var template = Options.Text("--template", "A template (name or id) whose values fill the options not given", "name");
        var title = new Option<string>("--title") { Description = "A one-line summary (1–200 characters)", Required = true, HelpName = "text" };
        var description = Options.Text("--description", "The full request for the agent");
        var descriptionFile = Options.Text("--description-file", "Read the description from a file ('-' for stdin)", "path");
        var acceptance = Options.Text("--acceptance", "How to tell the work is done");
        var priority = Options.Range("--priority", 1, 4, "1 (critical) to 4 (low) [default: 3]");
        var vendor = Options.Text("--vendor", "The agent vendor (script, claude, gemini, codex, glm, …) [default: script]", "vendor");
        var model = Options.Text("--model", "The model [default: the vendor's default]", "model");
        var branch = Options.Text("--branch", "The branch to start from [default: the repository's default branch]", "branch");
        var maxAttempts = Options.Range("--max-attempts", 1, 10, "Attempts before the task fails [default: the repository's setting]");
        var timeout = Options.Duration("--timeout", "Time limit of one attempt [default: the repository's setting]");
        var skipVerification = Options.Flag("--skip-verification", "Accept the agent's work without running the repository's checks");
        var labels = new Option<string[]>("--label") { Description = "A label (repeatable)", HelpName = "label" };
        var backupVendor = Options.Text("--backup-vendor", "The vendor that takes over when the primary gives up [default: none]", "vendor");
        var backupModel = Options.Text("--backup-model", "The backup vendor's model (alone: the same vendor with this model)", "model");
        var maxTurns = new Option<TurnLimit?>("--max-turns")
        {
            Description = "The agent's turns per attempt: 1–10000 or 'unlimited' [default: the orchestrator's setting]",
            HelpName = "n|unlimited",
            CustomParser = ParseTurnLimit,
        };
        var billing = new Option<BillingMode>("--billing")
        {
            Description = "Who pays: 'api-key' (the sidecar's key) or 'subscription' (the CLI's own login) [default: the sidecar's setting]",
            HelpName = "api-key|subscription",
            CustomParser = ParseBillingMode,
        };
        var allowedTools = new Option<string[]>("--allowed-tool") { Description = "A tool the agent may use without asking, in the vendor's syntax (repeatable)", HelpName = "tool" };
        var deliver = Options.Deliver("What happens to the verified work: a pull request, a direct commit, or a patch only [default: the repository's]");
        var enqueue = Options.Flag("--enqueue", "Queue the task at once [default: the orchestrator's auto-enqueue setting]");
        var noEnqueue = Options.Flag("--no-enqueue", "Leave the task pending [default: the orchestrator's auto-enqueue setting]");
        var watch = Options.Flag("--watch", "Follow the task until it ends; the exit code tells how it ended");
        var command = new Command("create", "Create a task: queued with --enqueue or --watch, pending with --no-enqueue, else as the orchestrator's auto-enqueue setting says.")
        {
            repo, template, title, description, descriptionFile, acceptance, priority, vendor, model, branch, maxAttempts, timeout,
            skipVerification, labels, backupVendor, backupModel, maxTurns, billing, allowedTools, deliver, enqueue, noEnqueue, watch,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(description) is not null && result.GetResult(descriptionFile) is not null)
            {
                result.AddError("Give --description or --description-file, not both.");
            }

            if (result.GetResult(enqueue) is not null && result.GetResult(noEnqueue) is not null)
            {
                result.AddError("Give --enqueue or --no-enqueue, not both.");
            }

            if (result.GetResult(noEnqueue) is not null && result.GetResult(watch) is not null)
            {
                result.AddError("--watch follows a queued task: it cannot be combined with --no-enqueue.");
            }
        });
        app.Handle(command, async (context, cancellationToken) =>
        {
            var request = new CreateTaskRequest
            {
                Repository = context.Get(repo) ?? "",
                Template = context.Get(template) ?? "",
                Title = context.Get(title)!,
                Description = context.Get(descriptionFile) is { } path
                    ? await ReadDescriptionAsync(path, cancellationToken)
                    : context.Get(description) ?? "",
                Acceptance = context.Get(acceptance) ?? "",
                Priority = context.Get(priority) ?? 0,
                Vendor = context.Get(vendor) ?? "",
                Model = context.Get(model) ?? "",
                BaseBranch = context.Get(branch) ?? "",
                MaxAttempts = context.Get(maxAttempts) ?? 0,
                AttemptTimeout = context.Get(timeout) is { } limit ? Duration.FromTimeSpan(limit) : null,
                SkipVerification = context.Get(skipVerification),
                BackupVendor = context.Get(backupVendor) ?? "",
                BackupModel = context.Get(backupModel) ?? "",
                TurnLimit = context.Get(maxTurns),
                BillingMode = context.Get(billing),
                DeliveryFlow = context.Get(deliver),
            };
            // Unset unless asked, so that the orchestrator's auto-enqueue setting decides; --watch follows a queued task.
            if (context.Get(enqueue) || context.Get(watch) || context.Get(noEnqueue))
            {
                request.Enqueue = !context.Get(noEnqueue);
            }

            request.Labels.AddRange(context.Get(labels) ?? []);
            request.AllowedTools.AddRange(context.Get(allowedTools) ?? []);
            var response = await context.Connection.Tasks.CreateTaskAsync(request, cancellationToken: cancellationToken);
            context.Output.Write(response.Task, () => response.Task.Status == TaskStatus.Pending
                ? $"Created {TaskFormatting.Summary(response.Task)}\n" +
                  $"It stays pending: `devserver task enqueue {response.Task.Id}` queues it (or pass --enqueue; `devserver settings set --auto-enqueue on` queues new tasks at once).\n"
                : $"Created {TaskFormatting.Summary(response.Task)}\n");
            return context.Get(watch)
                ? await Watcher(context).WatchAsync(response.Task.Id, cancellationToken)
                : ExitCodes.Success;
        });
        return command;
    }

    internal static TurnLimit? ParseTurnLimit(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (text.Equals("unlimited", StringComparison.OrdinalIgnoreCase))
        {
            return new TurnLimit { Unlimited = true };
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var turns) && turns is >= 1 and <= 10_000)
        {
            return new TurnLimit { MaxTurns = turns };
        }

        result.AddError($"--max-turns must be a number from 1 to 10000 or 'unlimited', not '{text}'.");
        return null;
    }

    internal static BillingMode ParseBillingMode(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        switch (text.ToLowerInvariant())
        {
            case "api-key":
                return BillingMode.ApiKey;
            case "subscription":
                return BillingMode.Subscription;
            default:
                result.AddError($"--billing must be 'api-key' or 'subscription', not '{text}'.");
                return BillingMode.Unspecified;
        }
    }

    private static Command BuildList(CliApp app)
    {
        var statuses = new Option<string[]>("--status") { Description = "Only tasks in this status (repeatable)", HelpName = "status" };
        statuses.AcceptOnlyFromAmong([.. Words.StatusNames]);
        var repo = Options.Text("--repo", "Only tasks of this repository", "repo");
        var vendor = Options.Text("--vendor", "Only tasks for this vendor", "vendor");
        var label = Options.Text("--label", "Only tasks carrying this label", "label");
        var limit = Options.Range("--limit", 1, 200, "Tasks per page [default: 50]");
        var pageToken = Options.Text("--page-token", "Continue after a previous page", "token");
        var includeRetired = Options.Flag("--include-retired", "Also list retired tasks (left out by default)");
        var command = new Command("list", "List tasks, newest first, a page at a time.") { statuses, repo, vendor, label, limit, pageToken, includeRetired };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var request = new ListTasksRequest
            {
                Repository = context.Get(repo) ?? "",
                Vendor = context.Get(vendor) ?? "",
                Label = context.Get(label) ?? "",
                PageSize = context.Get(limit) ?? 0,
                PageToken = context.Get(pageToken) ?? "",
                IncludeRetired = context.Get(includeRetired),
            };
            request.Statuses.AddRange((context.Get(statuses) ?? []).Select(Words.ParseStatus));
            var response = await context.Connection.Tasks.ListTasksAsync(request, cancellationToken: cancellationToken);
            context.Output.Write(response, () => TaskFormatting.List(response.Tasks, context.Output.TimeZone)
                + (response.NextPageToken.Length > 0 ? $"More tasks: --page-token {response.NextPageToken}\n" : ""));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildShow(CliApp app)
    {
        var id = Options.TaskId();
        var command = new Command("show", "Show a task and its attempts.") { id };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Tasks.GetTaskAsync(new GetTaskRequest { Id = context.Get(id) }, cancellationToken: cancellationToken);
            context.Output.Write(response, () => TaskFormatting.Show(response.Task, response.Runs, context.Output.TimeZone));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildCancel(CliApp app)
    {
        var id = Options.TaskId();
        var reason = Options.Text("--reason", "Why (kept in the task's history)");
        var command = new Command("cancel", "Cancel a task that has not finished; a running agent or verification is stopped.") { id, reason };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Tasks.CancelTaskAsync(
                new CancelTaskRequest { Id = context.Get(id), Reason = context.Get(reason) ?? "" }, cancellationToken: cancellationToken);
            context.Output.Write(response.Task, () => $"Cancelled {TaskFormatting.Summary(response.Task)}\n");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildEnqueue(CliApp app)
    {
        var id = Options.TaskId();
        var watch = Options.Flag("--watch", "Follow the task until it ends; the exit code tells how it ended");
        var command = new Command("enqueue", "Queue a pending task for dispatch.") { id, watch };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Tasks.EnqueueTaskAsync(new EnqueueTaskRequest { Id = context.Get(id) }, cancellationToken: cancellationToken);
            context.Output.Write(response.Task, () => $"Queued {TaskFormatting.Summary(response.Task)}\n");
            return context.Get(watch)
                ? await Watcher(context).WatchAsync(response.Task.Id, cancellationToken)
                : ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildRetry(CliApp app)
    {
        var id = Options.TaskId();
        var watch = Options.Flag("--watch", "Follow the task until it ends; the exit code tells how it ended");
        var command = new Command("retry", "Queue a failed, blocked or cancelled task again with a fresh attempt budget.") { id, watch };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Tasks.RetryTaskAsync(new RetryTaskRequest { Id = context.Get(id) }, cancellationToken: cancellationToken);
            context.Output.Write(response.Task, () => $"Retrying {TaskFormatting.Summary(response.Task)}\n");
            return context.Get(watch)
                ? await Watcher(context).WatchAsync(response.Task.Id, cancellationToken)
                : ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildDelete(CliApp app)
    {
        var id = Options.TaskId();
        var command = new Command("delete", "Delete a task with its attempts and events (not while it is queued or running).") { id };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Tasks.DeleteTaskAsync(new DeleteTaskRequest { Id = context.Get(id) }, cancellationToken: cancellationToken);
            context.Output.Write(response, () => string.Create(CultureInfo.InvariantCulture, $"Deleted task {context.Get(id)}.\n"));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary><c>task retire id</c> puts a finished task out of lists; <c>task unretire id</c> brings it back.</summary>
    private static Command BuildRetire(CliApp app, bool retired)
    {
        var id = Options.TaskId();
        var command = retired
            ? new Command("retire", "Hide a finished task (done, failed, blocked or cancelled) from lists; analytics still count it.") { id }
            : new Command("unretire", "List a retired task again.") { id };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Tasks.UpdateTaskAsync(
                new UpdateTaskRequest { Id = context.Get(id), Retired = retired }, cancellationToken: cancellationToken);
            context.Output.Write(response.Task, () => $"{(retired ? "Retired" : "Brought back")} {TaskFormatting.Summary(response.Task)}\n");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildWatch(CliApp app)
    {
        var id = Options.TaskId();
        var command = new Command("watch", "Follow a task's events until it ends; the exit code tells how it ended.") { id };
        app.Handle(command, (context, cancellationToken) => Watcher(context).WatchAsync(context.Get(id), cancellationToken));
        return command;
    }

    private static Command BuildPatch(CliApp app)
    {
        var id = Options.TaskId();
        var attempt = new Option<int?>("--attempt") { Description = "A specific attempt [default: the latest that produced work]", HelpName = "n" };
        var file = new Option<string?>("--output", "-o") { Description = "Write the patch to a file instead of stdout", HelpName = "file" };
        var stat = Options.Flag("--stat", "Print what the patch changes (files, insertions, deletions) instead of the patch");
        var split = new Option<string?>("--split")
        {
            Description = "Write the series as git format-patch's files (0001-<subject>.patch, …) into a folder instead of one mbox",
            HelpName = "dir",
        };
        var command = new Command("patch", "The task's work as a patch series (an mbox for `git am`).") { id, attempt, file, stat, split };
        app.Handle(command, async (context, cancellationToken) =>
        {
            if (context.Get(split) is not null && (context.Get(file) is not null || context.Get(stat)))
            {
                throw CliException.Usage("--split cannot be combined with --output or --stat.");
            }

            var response = await context.Connection.Tasks.GetTaskPatchAsync(
                new GetTaskPatchRequest { Id = context.Get(id), Attempt = context.Get(attempt) ?? 0 }, cancellationToken: cancellationToken);
            var about = string.Create(
                CultureInfo.InvariantCulture,
                $"attempt {response.Attempt}, {response.CommitCount} commit(s) on {Words.ShortCommit(response.BaseCommit)}, {(response.Verified ? "verified" : "not verified")}");
            if (context.Get(stat))
            {
                context.Output.Write(response.Statistics ?? new DiffStatistics(), () => response.Statistics is { } statistics
                    ? DeliveryFormatting.Statistics(statistics)
                    : $"No statistics yet for task {context.Get(id)} ({about}): they are measured when the work is delivered.\n");
                return ExitCodes.Success;
            }

            if (context.Get(split) is { } folder)
            {
                var written = await WritePatchFilesAsync(response, folder, cancellationToken);
                context.Output.Write(response, () =>
                    $"Wrote {written.Count} patch file(s) of task {context.Get(id)} ({about}) to {folder}:\n{string.Concat(written.Select(name => $"  {name}\n"))}");
                return ExitCodes.Success;
            }

            if (context.Get(file) is { } path)
            {
                await File.WriteAllBytesAsync(path, response.PatchSeries.ToByteArray(), cancellationToken);
                context.Output.Write(response, () => $"Wrote the patch of task {context.Get(id)} ({about}) to {path}\n");
                return ExitCodes.Success;
            }

            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            // Raw bytes on stdout, so `devserver task patch 12 | git am` gets the mbox as stored; the summary goes to stderr.
            await context.Output.Error.WriteLineAsync($"Patch of task {context.Get(id)}: {about}".AsMemory(), cancellationToken);
            await context.Output.Out.FlushAsync(cancellationToken);
            var stdout = context.Host.OpenStandardOutput();
            await stdout.WriteAsync(response.PatchSeries.Memory, cancellationToken);
            await stdout.FlushAsync(cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }

    // The files are checked against the commit count first, so a series that does not split as format-patch wrote it
    // leaves nothing half-written behind.
    private static async Task<IReadOnlyList<string>> WritePatchFilesAsync(GetTaskPatchResponse response, string folder, CancellationToken cancellationToken)
    {
        IReadOnlyList<PatchFile> patches;
        try
        {
            patches = PatchFiles.Split(response.PatchSeries.Span);
        }
        catch (FormatException exception)
        {
            throw new CliException(ExitCodes.Failure, $"cannot split the patch into files: {exception.Message}", exception);
        }

        if (patches.Count != response.CommitCount)
        {
            throw new CliException(
                ExitCodes.Failure,
                string.Create(CultureInfo.InvariantCulture, $"cannot split the patch into files: it holds {response.CommitCount} commit(s) but splits into {patches.Count}; use --output for the mbox"));
        }

        try
        {
            Directory.CreateDirectory(folder);
            foreach (var patch in patches)
            {
                await File.WriteAllBytesAsync(Path.Combine(folder, patch.Name), patch.Content, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Failure, $"cannot write the patch files to {folder}: {exception.Message}", exception);
        }

        return [.. patches.Select(p => p.Name)];
    }

    private static TaskWatcher Watcher(CommandContext context) => new(context.Host, context.Output, context.Connection);

    internal static async Task<string> ReadDescriptionAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            if (path == "-")
            {
                using var stdin = new StreamReader(Console.OpenStandardInput());
                return await stdin.ReadToEndAsync(cancellationToken);
            }

            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"cannot read --description-file {path}: {ex.Message}", ex);
        }
    }
}
