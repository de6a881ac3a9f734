using System.CommandLine;
using System.Globalization;
using System.Text;
using DevServer.Cli.Output;
using DevServer.Contracts.Settings.V1;

namespace DevServer.Cli.Commands;

/// <summary><c>devserver settings</c> (the run-time settings and the secrets, masked) and <c>devserver settings set</c>.</summary>
internal static class SettingsCommands
{
    public static Command Build(CliApp app)
    {
        var settings = new Command("settings", "Show the orchestrator's settings and the secrets it holds (masked).");
        app.Handle(settings, async (context, cancellationToken) =>
        {
            var response = await context.Connection.ServerSettings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: cancellationToken);
            context.Output.Write(response, () => Describe(response.Settings) + "\n" + Secrets(response.Secrets, context.Output.TimeZone));
            return ExitCodes.Success;
        });

        var maxConcurrency = Options.Range("--max-concurrency", 1, 10, "Tasks that may run or verify at once (1–10)");
        var paused = Options.OnOff("--paused", "Pause (on) or resume (off) dispatching");
        var autoEnqueue = Options.OnOff("--auto-enqueue", "Queue new tasks at once unless they say otherwise");
        var notifications = Options.OnOff("--notifications", "Send notifications when tasks finish");
        var set = new Command("set", "Change settings; options not given keep their value.") { maxConcurrency, paused, autoEnqueue, notifications };
        app.Handle(set, async (context, cancellationToken) =>
        {
            var request = new UpdateSettingsRequest();
            if (context.Get(maxConcurrency) is { } limit)
            {
                request.MaxConcurrency = limit;
            }

            if (context.Get(paused) is { } pause)
            {
                request.QueuePaused = pause == Switch.On;
            }

            if (context.Get(autoEnqueue) is { } enqueue)
            {
                request.AutoEnqueue = enqueue == Switch.On;
            }

            if (context.Get(notifications) is { } notify)
            {
                request.NotificationsEnabled = notify == Switch.On;
            }

            if (!request.HasMaxConcurrency && !request.HasQueuePaused && !request.HasAutoEnqueue && !request.HasNotificationsEnabled)
            {
                throw CliException.Usage("settings set needs at least one of --max-concurrency, --paused, --auto-enqueue and --notifications.");
            }

            var response = await context.Connection.ServerSettings.UpdateSettingsAsync(request, cancellationToken: cancellationToken);
            context.Output.Write(response.Settings, () => Describe(response.Settings));
            return ExitCodes.Success;
        });
        settings.Add(set);
        return settings;
    }

    /// <summary>One setting per line, named as the <c>set</c> options name them.</summary>
    internal static string Describe(Contracts.Settings.V1.Settings settings)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"max-concurrency  {settings.MaxConcurrency}\n");
        text.Append(CultureInfo.InvariantCulture, $"paused           {OnOff(settings.QueuePaused)}\n");
        text.Append(CultureInfo.InvariantCulture, $"auto-enqueue     {OnOff(settings.AutoEnqueue)}\n");
        text.Append(CultureInfo.InvariantCulture, $"notifications    {OnOff(settings.NotificationsEnabled)}\n");
        return text.ToString();
    }

    /// <summary>The secrets as a table; only the server's masked form of a value is ever shown.</summary>
    internal static string Secrets(IEnumerable<Secret> secrets, TimeZoneInfo zone)
    {
        var table = new Table("SECRET", "SCOPE", "SOURCE", "VALUE", "UPDATED");
        foreach (var secret in secrets)
        {
            table.Add(secret.Kind, secret.Scope, secret.Source, Words.OrDash(secret.Masked), Words.DateTime(secret.UpdatedAt, zone));
        }

        return table.Count == 0 ? "No secrets.\n" : table.ToString();
    }

    private static string OnOff(bool value) => value ? "on" : "off";
}
