using System.CommandLine;
using DevServer.Cli.Output;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Templates.V1;
using DevServer.Contracts.Work.V1;

namespace DevServer.Cli.Commands;

/// <summary><c>devserver template list|show|add|rm</c>: presets that <c>task create --template</c> applies.</summary>
internal static class TemplateCommands
{
    public static Command Build(CliApp app)
    {
        var template = new Command("template", "Manage task templates: presets for new tasks (task create --template NAME).");
        template.Add(BuildList(app));
        template.Add(BuildShow(app));
        template.Add(BuildAdd(app));
        template.Add(BuildRemove(app));
        return template;
    }

    private static Command BuildList(CliApp app)
    {
        var command = new Command("list", "List the templates by name.");
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Templates.ListTemplatesAsync(new ListTemplatesRequest(), cancellationToken: cancellationToken);
            context.Output.Write(response, () => TemplateFormatting.List(response.Templates));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildShow(CliApp app)
    {
        var name = NameArgument();
        var command = new Command("show", "Show a template.") { name };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Templates.GetTemplateAsync(
                new GetTemplateRequest { Template = context.Get(name) }, cancellationToken: cancellationToken);
            context.Output.Write(response.Template, () => TemplateFormatting.Show(response.Template, context.Output.TimeZone));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildAdd(CliApp app)
    {
        var name = new Argument<string>("name") { Description = "A unique name (1–100 characters, not a number)" };
        var repo = Options.Text("--repo", "The repository's name", "repo");
        var description = Options.Text("--description", "The task description");
        var descriptionFile = Options.Text("--description-file", "Read the description from a file ('-' for stdin)", "path");
        var acceptance = Options.Text("--acceptance", "How to tell the work is done");
        var priority = Options.Range("--priority", 1, 4, "1 (critical) to 4 (low)");
        var vendor = Options.Text("--vendor", "The agent vendor (script, claude, gemini, codex, glm, …)", "vendor");
        var model = Options.Text("--model", "The model", "model");
        var skipVerification = Options.Flag("--skip-verification", "Tasks made from it skip the repository's checks");
        var labels = new Option<string[]>("--label") { Description = "A label (repeatable)", HelpName = "label" };
        var backupVendor = Options.Text("--backup-vendor", "The vendor that takes over when the primary gives up", "vendor");
        var backupModel = Options.Text("--backup-model", "The backup vendor's model (alone: the task's vendor with this model)", "model");
        var maxTurns = new Option<TurnLimit?>("--max-turns")
        {
            Description = "The agent's turns per attempt: 1–10000 or 'unlimited'",
            HelpName = "n|unlimited",
            CustomParser = TaskCommands.ParseTurnLimit,
        };
        var billing = new Option<BillingMode>("--billing")
        {
            Description = "Who pays: 'api-key' or 'subscription'",
            HelpName = "api-key|subscription",
            CustomParser = TaskCommands.ParseBillingMode,
        };
        var allowedTools = new Option<string[]>("--allowed-tool") { Description = "A tool the agent may use without asking (repeatable)", HelpName = "tool" };
        var deliver = Options.Deliver("What happens to the verified work: a pull request, a direct commit, or a patch only");
        var command = new Command("add", "Store a template; options not given stay empty and leave the task's own value or default.")
        {
            name, repo, description, descriptionFile, acceptance, priority, vendor, model, skipVerification, labels,
            backupVendor, backupModel, maxTurns, billing, allowedTools, deliver,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(description) is not null && result.GetResult(descriptionFile) is not null)
            {
                result.AddError("Give --description or --description-file, not both.");
            }
        });
        app.Handle(command, async (context, cancellationToken) =>
        {
            var template = new TaskTemplate
            {
                Name = context.Get(name),
                Repository = context.Get(repo) ?? "",
                Description = context.Get(descriptionFile) is { } path
                    ? await TaskCommands.ReadDescriptionAsync(path, cancellationToken)
                    : context.Get(description) ?? "",
                Acceptance = context.Get(acceptance) ?? "",
                Priority = context.Get(priority) ?? 0,
                Vendor = context.Get(vendor) ?? "",
                Model = context.Get(model) ?? "",
                SkipVerification = context.Get(skipVerification),
                BackupVendor = context.Get(backupVendor) ?? "",
                BackupModel = context.Get(backupModel) ?? "",
                TurnLimit = context.Get(maxTurns),
                BillingMode = context.Get(billing),
                DeliveryFlow = context.Get(deliver),
            };
            template.Labels.AddRange(context.Get(labels) ?? []);
            template.AllowedTools.AddRange(context.Get(allowedTools) ?? []);
            var response = await context.Connection.Templates.CreateTemplateAsync(
                new CreateTemplateRequest { Template = template }, cancellationToken: cancellationToken);
            context.Output.Write(response.Template, () => $"Added template {response.Template.Name} (id {response.Template.Id}).\n");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildRemove(CliApp app)
    {
        var name = NameArgument();
        var command = new Command("rm", "Delete a template; tasks made from it keep their values.") { name };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var template = (await context.Connection.Templates.GetTemplateAsync(
                new GetTemplateRequest { Template = context.Get(name) }, cancellationToken: cancellationToken)).Template;
            var response = await context.Connection.Templates.DeleteTemplateAsync(
                new DeleteTemplateRequest { Id = template.Id }, cancellationToken: cancellationToken);
            context.Output.Write(response, () => $"Removed template {template.Name} (id {template.Id}).\n");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The template's name or id" };
}
