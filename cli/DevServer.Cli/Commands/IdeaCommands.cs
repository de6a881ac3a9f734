using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using DevServer.Cli.Output;
using DevServer.Contracts.Ideas.V1;
using DevServer.Contracts.Tasks.V1;

namespace DevServer.Cli.Commands;

/// <summary><c>devserver idea list|add|show|rm|task</c>: the ideas tree, and turning an idea into a task.</summary>
internal static class IdeaCommands
{
    public static Command Build(CliApp app)
    {
        var idea = new Command("idea", "Collect ideas in folders and turn them into tasks.");
        idea.Add(BuildList(app));
        idea.Add(BuildAdd(app));
        idea.Add(BuildShow(app));
        idea.Add(BuildRemove(app));
        idea.Add(BuildTask(app));
        return idea;
    }

    private static Command BuildList(CliApp app)
    {
        var command = new Command("list", "Show the ideas as a tree, with their ids and the tasks made from them.");
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Ideas.ListIdeasAsync(new ListIdeasRequest(), cancellationToken: cancellationToken);
            context.Output.Write(response, () => IdeaFormatting.Tree(response.Ideas));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildAdd(CliApp app)
    {
        var title = new Argument<string>("title") { Description = "The title (1–256 characters)" };
        var folder = Options.Flag("--folder", "Add a folder instead of an idea");
        var parent = new Option<long?>("--parent") { Description = "The folder to add it to [default: the top level]", HelpName = "id", CustomParser = ParseOptionalId };
        var content = Options.Text("--content", "The idea's text (markdown)");
        var contentFile = Options.Text("--content-file", "Read the idea's text from a file ('-' for stdin)", "path");
        var sortOrder = new Option<int?>("--sort") { Description = "Its place among its siblings (smaller first) [default: 0, then by title]", HelpName = "n" };
        var command = new Command("add", "Add an idea (markdown text) or a folder.") { title, folder, parent, content, contentFile, sortOrder };
        command.Validators.Add(result =>
        {
            if (result.GetResult(content) is not null && result.GetResult(contentFile) is not null)
            {
                result.AddError("Give --content or --content-file, not both.");
            }

            if (result.GetResult(folder) is not null && (result.GetResult(content) is not null || result.GetResult(contentFile) is not null))
            {
                result.AddError("A folder has no content: --folder cannot be combined with --content or --content-file.");
            }
        });
        app.Handle(command, async (context, cancellationToken) =>
        {
            var request = new CreateIdeaRequest
            {
                Kind = context.Get(folder) ? IdeaKind.Folder : IdeaKind.Idea,
                Title = context.Get(title),
                ParentId = context.Get(parent) ?? 0,
                Content = context.Get(contentFile) is { } path ? await ReadContentAsync(context, path, cancellationToken) : context.Get(content) ?? "",
                SortOrder = context.Get(sortOrder) ?? 0,
            };
            var idea = (await context.Connection.Ideas.CreateIdeaAsync(request, cancellationToken: cancellationToken)).Idea;
            context.Output.Write(idea, () => string.Create(
                CultureInfo.InvariantCulture, $"Added {(idea.Kind == IdeaKind.Folder ? "folder" : "idea")} {idea.Id}: {idea.Title}\n"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildShow(CliApp app)
    {
        var id = IdArgument();
        var command = new Command("show", "Show an idea or folder.") { id };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var idea = (await context.Connection.Ideas.GetIdeaAsync(new GetIdeaRequest { Id = context.Get(id) }, cancellationToken: cancellationToken)).Idea;
            context.Output.Write(idea, () => IdeaFormatting.Show(idea, context.Output.TimeZone));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildRemove(CliApp app)
    {
        var id = IdArgument();
        var command = new Command("rm", "Delete an idea, or a folder with everything in it; tasks made from them stay.") { id };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Ideas.DeleteIdeaAsync(new DeleteIdeaRequest { Id = context.Get(id) }, cancellationToken: cancellationToken);
            context.Output.Write(response, () => response.Deleted == 1
                ? string.Create(CultureInfo.InvariantCulture, $"Deleted idea {context.Get(id)}.\n")
                : string.Create(CultureInfo.InvariantCulture, $"Deleted folder {context.Get(id)} and the {response.Deleted - 1} entries in it.\n"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildTask(CliApp app)
    {
        var id = IdArgument();
        var repo = Options.Text("--repo", "The repository's name or id (may come from --template)", "repo");
        var template = Options.Text("--template", "A template (name or id) whose values fill the options not given", "name");
        var title = Options.Text("--title", "The task's title [default: the idea's title]");
        var vendor = Options.Text("--vendor", "The agent vendor [default: the template's, else script]", "vendor");
        var model = Options.Text("--model", "The model [default: the vendor's default]", "model");
        var priority = Options.Range("--priority", 1, 4, "1 (critical) to 4 (low) [default: 3]");
        var labels = new Option<string[]>("--label") { Description = "A label (repeatable)", HelpName = "label" };
        var enqueue = Options.Flag("--enqueue", "Queue the task at once [default: the orchestrator's auto-enqueue setting]");
        var noEnqueue = Options.Flag("--no-enqueue", "Leave the task pending [default: the orchestrator's auto-enqueue setting]");
        var command = new Command("task", "Turn an idea into a task (its title and text become the task's) and link them.")
        {
            id, repo, template, title, vendor, model, priority, labels, enqueue, noEnqueue,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(enqueue) is not null && result.GetResult(noEnqueue) is not null)
            {
                result.AddError("Give --enqueue or --no-enqueue, not both.");
            }
        });
        app.Handle(command, async (context, cancellationToken) =>
        {
            var task = new CreateTaskRequest
            {
                Repository = context.Get(repo) ?? "",
                Template = context.Get(template) ?? "",
                Title = context.Get(title) ?? "",
                Vendor = context.Get(vendor) ?? "",
                Model = context.Get(model) ?? "",
                Priority = context.Get(priority) ?? 0,
            };
            task.Labels.AddRange(context.Get(labels) ?? []);
            // Unset unless asked, so that the orchestrator's auto-enqueue setting decides.
            if (context.Get(enqueue) || context.Get(noEnqueue))
            {
                task.Enqueue = context.Get(enqueue);
            }

            var response = await context.Connection.Ideas.ConvertIdeaToTaskAsync(
                new ConvertIdeaToTaskRequest { Id = context.Get(id), Task = task }, cancellationToken: cancellationToken);
            context.Output.Write(response, () => string.Create(
                CultureInfo.InvariantCulture, $"Created {TaskFormatting.Summary(response.Task)} from idea {response.Idea.Id}\n"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Argument<long> IdArgument() => new("id")
    {
        Description = "The idea's or folder's id",
        CustomParser = result => ParseId(result, "the idea id") ?? 0,
    };

    private static long? ParseOptionalId(ArgumentResult result) => ParseId(result, "--parent");

    private static long? ParseId(ArgumentResult result, string name)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id >= 1)
        {
            return id;
        }

        result.AddError($"{name} must be a number of at least 1 (got '{text}').");
        return null;
    }

    private static async Task<string> ReadContentAsync(CommandContext context, string path, CancellationToken cancellationToken)
    {
        try
        {
            if (path == "-")
            {
                using var stdin = new StreamReader(context.Host.OpenStandardInput());
                return await stdin.ReadToEndAsync(cancellationToken);
            }

            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"cannot read --content-file {path}: {ex.Message}", ex);
        }
    }
}
