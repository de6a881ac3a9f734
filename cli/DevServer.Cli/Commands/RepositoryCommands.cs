using System.CommandLine;
using DevServer.Cli.Output;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Cli.Commands;

/// <summary><c>devserver repo add|list|show|update|remove</c>.</summary>
internal static class RepositoryCommands
{
    public static Command Build(CliApp app)
    {
        var repo = new Command("repo", "Manage the repositories tasks run on.");
        repo.Add(BuildAdd(app));
        repo.Add(BuildList(app));
        repo.Add(BuildShow(app));
        repo.Add(BuildUpdate(app));
        repo.Add(BuildRemove(app));
        return repo;
    }

    /// <summary>The settings shared by add and update.</summary>
    private sealed class SettingOptions
    {
        public Option<string?> Branch { get; } = Options.Text("--branch", "The default branch tasks start from [add default: main]", "branch");
        public Option<string?> Pre { get; } = Options.Text("--pre", "Command run before building (dependencies, code generation)", "command");
        public Option<string?> Build { get; } = Options.Text("--build", "Build command", "command");
        public Option<string?> Test { get; } = Options.Text("--test", "Test command", "command");
        public Option<string?> Lint { get; } = Options.Text("--lint", "Lint command (check mode)", "command");
        public Option<TimeSpan?> StageTimeout { get; } = Options.Duration("--stage-timeout", "Time limit of each verification stage [add default: 10m]");
        public Option<int?> MaxAttempts { get; } = Options.Range("--max-attempts", 1, 10, "Attempts a task gets before it fails [add default: 2]");
        public Option<TimeSpan?> AttemptTimeout { get; } = Options.Duration("--attempt-timeout", "Time limit of one agent attempt [add default: 60m]");
        public Option<bool?> Detect { get; } = new("--detect")
        {
            Description = "Detect the commands of stages left empty from the checkout (true/false) [add default: true]",
            HelpName = "true|false",
        };

        public Option<DeliveryFlow> Deliver { get; } = Options.Deliver("What tasks do with verified work unless they choose: pr, commit or patch [add default: patch]");

        public Option<ForgeKind> Forge { get; } = new("--forge")
        {
            Description = "The forge pull requests are opened on: gitea (also Forgejo), github or none [add default: derived from the location]",
            HelpName = "gitea|github|none",
            CustomParser = ParseForge,
        };

        public Option<string?> ForgeUrl { get; } = Options.Text("--forge-url", "The forge's address (Gitea: the site; GitHub: the API root) [default: derived]", "url");

        public Option<string?> ForgeRepo { get; } = Options.Text("--forge-repo", "owner/name on the forge [default: derived from the location]", "owner/name");

        public Option<string?> ForgeTokenFile { get; } = Options.Text(
            "--forge-token-file", "Read the forge token from this file ('-' for stdin; an empty file removes the stored token)", "path");

        public Option<string[]> DenyPaths { get; } = new("--deny-path") { Description = "A path glob delivery must not touch (repeatable; replaces the list)", HelpName = "glob" };

        public Option<string[]> AllowPaths { get; } = new("--allow-path") { Description = "Only paths matching these globs may be delivered (repeatable; replaces the list)", HelpName = "glob" };

        public Option<string[]> AllowedAuthors { get; } = new("--allowed-author") { Description = "An e-mail delivered commits may be authored by (repeatable; replaces the list)", HelpName = "email" };

        public Option<int?> MaxFiles { get; } = Options.Range("--max-files", 0, 100_000, "The most files one delivery may change (0: the default, 300)");

        public Option<long?> MaxDiffBytes { get; } = new("--max-diff-bytes")
        {
            Description = "The largest patch series one delivery may carry, in bytes (0: the default, 5 MiB)",
            HelpName = "bytes",
            CustomParser = ParseBytes,
        };

        // A bool option: given alone it means true, so "--allow-lock-files" switches it on and "--allow-lock-files=false" off.
        public Option<bool?> AllowLockFiles { get; } = new("--allow-lock-files")
        {
            Description = "Let delivery carry lock-file changes (package-lock.json, go.sum, Cargo.lock…); =false blocks them again [add default: false]",
            HelpName = "true|false",
        };

        public void AddTo(Command command)
        {
            command.Add(Branch);
            command.Add(Pre);
            command.Add(Build);
            command.Add(Test);
            command.Add(Lint);
            command.Add(StageTimeout);
            command.Add(MaxAttempts);
            command.Add(AttemptTimeout);
            command.Add(Detect);
            command.Add(Deliver);
            command.Add(Forge);
            command.Add(ForgeUrl);
            command.Add(ForgeRepo);
            command.Add(ForgeTokenFile);
            command.Add(DenyPaths);
            command.Add(AllowPaths);
            command.Add(AllowedAuthors);
            command.Add(MaxFiles);
            command.Add(MaxDiffBytes);
            command.Add(AllowLockFiles);
        }

        public bool ChangesDelivery(CommandContext context) =>
            context.Has(Deliver) || context.Has(Forge) || context.Has(ForgeUrl) || context.Has(ForgeRepo) || context.Has(DenyPaths)
            || context.Has(AllowPaths) || context.Has(AllowedAuthors) || context.Has(MaxFiles) || context.Has(MaxDiffBytes)
            || context.Has(AllowLockFiles);

        /// <summary>The delivery settings: given options from the command line, the others from <paramref name="current"/>.</summary>
        public DeliverySettings Delivery(CommandContext context, DeliverySettings? current)
        {
            var settings = current?.Clone() ?? new DeliverySettings();
            settings.HasForgeToken = false;
            settings.Preflight ??= new PreflightSettings();
            if (context.Has(Deliver))
            {
                settings.DefaultFlow = context.Get(Deliver);
            }

            if (context.Has(Forge))
            {
                settings.Forge = context.Get(Forge);
            }

            settings.ForgeApiUrl = context.Has(ForgeUrl) ? context.Get(ForgeUrl) ?? "" : settings.ForgeApiUrl;
            settings.ForgeRepository = context.Has(ForgeRepo) ? context.Get(ForgeRepo) ?? "" : settings.ForgeRepository;
            Replace(context, DenyPaths, settings.Preflight.DenyPaths);
            Replace(context, AllowPaths, settings.Preflight.AllowPaths);
            Replace(context, AllowedAuthors, settings.Preflight.AllowedAuthorEmails);
            if (context.Get(MaxFiles) is { } maxFiles)
            {
                settings.Preflight.MaxFiles = maxFiles;
            }

            if (context.Get(MaxDiffBytes) is { } maxDiffBytes)
            {
                settings.Preflight.MaxDiffBytes = maxDiffBytes;
            }

            if (context.Get(AllowLockFiles) is { } allowLockFiles)
            {
                settings.Preflight.AllowLockFiles = allowLockFiles;
            }

            return settings;
        }

        /// <summary>The token from --forge-token-file, trimmed; null when the option is absent. Never printed.</summary>
        public async Task<string?> TokenAsync(CommandContext context, CancellationToken cancellationToken)
        {
            if (context.Get(ForgeTokenFile) is not { } path)
            {
                return null;
            }

            try
            {
                if (path == "-")
                {
                    using var stdin = new StreamReader(context.Host.OpenStandardInput());
                    return (await stdin.ReadToEndAsync(cancellationToken)).Trim();
                }

                return (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The path only: the file's content is the secret.
                throw new CliException(ExitCodes.Usage, $"cannot read --forge-token-file {path}: {ex.GetType().Name}", ex);
            }
        }

        private static void Replace(CommandContext context, Option<string[]> option, Google.Protobuf.Collections.RepeatedField<string> target)
        {
            if (context.Has(option))
            {
                target.Clear();
                target.AddRange(context.Get(option) ?? []);
            }
        }

        private static long? ParseBytes(System.CommandLine.Parsing.ArgumentResult result)
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes))
            {
                return bytes;
            }

            result.AddError($"--max-diff-bytes must be a whole number of bytes (0: the default), not '{text}'.");
            return null;
        }

        private static ForgeKind ParseForge(System.CommandLine.Parsing.ArgumentResult result)
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            switch (text.ToLowerInvariant())
            {
                case "gitea" or "forgejo":
                    return ForgeKind.Gitea;
                case "github":
                    return ForgeKind.Github;
                case "none":
                    return ForgeKind.None;
                default:
                    result.AddError($"--forge must be 'gitea', 'forgejo', 'github' or 'none', not '{text}'.");
                    return ForgeKind.Unspecified;
            }
        }

        public bool ChangesCommands(CommandContext context) =>
            context.Has(Pre) || context.Has(Build) || context.Has(Test) || context.Has(Lint);

        /// <summary>The four commands: given ones from the command line, the others from <paramref name="current"/>.</summary>
        public VerificationCommands Commands(CommandContext context, VerificationCommands? current) => new()
        {
            Pre = context.Has(Pre) ? context.Get(Pre) ?? "" : current?.Pre ?? "",
            Build = context.Has(Build) ? context.Get(Build) ?? "" : current?.Build ?? "",
            Test = context.Has(Test) ? context.Get(Test) ?? "" : current?.Test ?? "",
            Lint = context.Has(Lint) ? context.Get(Lint) ?? "" : current?.Lint ?? "",
        };
    }

    private static Command BuildAdd(CliApp app)
    {
        var name = new Argument<string>("name") { Description = "A unique name: a letter, then letters, digits, '.', '_' or '-'" };
        var location = new Argument<string>("location") { Description = "A git URL, or a path to a local git repository" };
        var settings = new SettingOptions();
        var command = new Command("add", "Register a repository with its check commands.") { name, location };
        settings.AddTo(command);
        app.Handle(command, async (context, cancellationToken) =>
        {
            var request = new AddRepositoryRequest
            {
                Name = context.Get(name),
                Location = Location(context.Get(location)),
                DefaultBranch = context.Get(settings.Branch) ?? "",
                Commands = settings.Commands(context, current: null),
                StageTimeout = ToDuration(context.Get(settings.StageTimeout)),
                MaxAttempts = context.Get(settings.MaxAttempts) ?? 0,
                AttemptTimeout = ToDuration(context.Get(settings.AttemptTimeout)),
            };
            if (context.Get(settings.Detect) is { } detect)
            {
                request.DetectCommands = detect;
            }

            request.Delivery = settings.Delivery(context, current: null);
            if (await settings.TokenAsync(context, cancellationToken) is { } token)
            {
                request.ForgeToken = token;
            }

            var response = await context.Connection.Repositories.AddRepositoryAsync(request, cancellationToken: cancellationToken);
            context.Output.Write(response.Repository, () => $"Added repository {response.Repository.Name} (id {response.Repository.Id}).\n");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildList(CliApp app)
    {
        var command = new Command("list", "List the repositories.");
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Repositories.ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: cancellationToken);
            context.Output.Write(response, () => RepositoryFormatting.List(response.Repositories));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildShow(CliApp app)
    {
        var repository = RepositoryArgument();
        var command = new Command("show", "Show a repository and its check commands.") { repository };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Repositories.GetRepositoryAsync(
                new GetRepositoryRequest { Repository = context.Get(repository) }, cancellationToken: cancellationToken);
            context.Output.Write(response.Repository, () => RepositoryFormatting.Show(response.Repository, context.Output.TimeZone));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildUpdate(CliApp app)
    {
        var repository = RepositoryArgument();
        var location = Options.Text("--location", "A new git URL or local path", "location");
        var settings = new SettingOptions();
        var command = new Command("update", "Change a repository's settings; options not given keep their value.") { repository, location };
        settings.AddTo(command);
        app.Handle(command, async (context, cancellationToken) =>
        {
            var request = new UpdateRepositoryRequest { Repository = context.Get(repository) };
            if (context.Get(location) is { } newLocation)
            {
                request.Location = Location(newLocation);
            }

            if (context.Get(settings.Branch) is { } branch)
            {
                request.DefaultBranch = branch;
            }

            if (settings.ChangesCommands(context))
            {
                // The request replaces all four commands: keep the ones not given.
                var current = await context.Connection.Repositories.GetRepositoryAsync(
                    new GetRepositoryRequest { Repository = request.Repository }, cancellationToken: cancellationToken);
                request.Commands = settings.Commands(context, current.Repository.Commands);
            }

            request.StageTimeout = ToDuration(context.Get(settings.StageTimeout));
            if (context.Get(settings.Detect) is { } detect)
            {
                request.DetectCommands = detect;
            }

            if (context.Get(settings.MaxAttempts) is { } maxAttempts)
            {
                request.MaxAttempts = maxAttempts;
            }

            request.AttemptTimeout = ToDuration(context.Get(settings.AttemptTimeout));
            if (settings.ChangesDelivery(context))
            {
                // The request replaces all delivery settings: keep the ones not given.
                var current = await context.Connection.Repositories.GetRepositoryAsync(
                    new GetRepositoryRequest { Repository = request.Repository }, cancellationToken: cancellationToken);
                request.Delivery = settings.Delivery(context, current.Repository.Delivery);
            }

            if (await settings.TokenAsync(context, cancellationToken) is { } token)
            {
                request.ForgeToken = token;
            }

            var response = await context.Connection.Repositories.UpdateRepositoryAsync(request, cancellationToken: cancellationToken);
            context.Output.Write(response.Repository, () => $"Updated repository {response.Repository.Name}.\n");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildRemove(CliApp app)
    {
        var repository = RepositoryArgument();
        var command = new Command("remove", "Remove a repository and its finished tasks.") { repository };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var response = await context.Connection.Repositories.RemoveRepositoryAsync(
                new RemoveRepositoryRequest { Repository = context.Get(repository) }, cancellationToken: cancellationToken);
            context.Output.Write(response, () => $"Removed repository {context.Get(repository)}.\n");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Argument<string> RepositoryArgument() => new("repo") { Description = "The repository's name or id" };

    /// <summary>URLs pass as they are; a local path becomes absolute, since the orchestrator and workers do not share our working directory.</summary>
    internal static string Location(string location)
    {
        var looksLikeUrl = location.Contains("://", StringComparison.Ordinal)
            || (location.Contains(':', StringComparison.Ordinal) && location.Contains('@', StringComparison.Ordinal) && !Path.IsPathRooted(location));
        return looksLikeUrl ? location : Path.GetFullPath(location);
    }

    private static Duration? ToDuration(TimeSpan? span) => span is { } value ? Duration.FromTimeSpan(value) : null;
}
