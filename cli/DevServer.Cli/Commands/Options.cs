using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using DevServer.Contracts.Tasks.V1;

namespace DevServer.Cli.Commands;

/// <summary>Option and argument shapes several commands share, with their validation (a bad value is a usage error).</summary>
internal static class Options
{
    /// <summary>A duration option (<see cref="DurationText"/>); null when absent.</summary>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "duration",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (DurationText.TryParse(text, out var duration))
            {
                return duration;
            }

            result.AddError(DurationText.Problem(name, text));
            return null;
        },
    };

    /// <summary>An integer option limited to <paramref name="min"/>–<paramref name="max"/>; null when absent.</summary>
    public static Option<int?> Range(string name, int min, int max, string description) => new(name)
    {
        Description = description,
        HelpName = "n",
        CustomParser = result => (int?)Number(result, name, min, max),
    };

    /// <summary>An integer option limited to <paramref name="min"/>–<paramref name="max"/>, with a default.</summary>
    public static Option<int> Range(string name, int min, int max, int defaultValue, string description, string helpName) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => (int)(Number(result, name, min, max) ?? defaultValue),
    };

    /// <summary>A required integer argument limited to <paramref name="min"/>–<paramref name="max"/>.</summary>
    /// <param name="name">The argument's name in help.</param>
    /// <param name="min">The smallest value.</param>
    /// <param name="max">The largest value.</param>
    /// <param name="description">Its help text.</param>
    /// <param name="subject">What it is, in error messages ("the concurrency limit").</param>
    public static Argument<int> RangeArgument(string name, int min, int max, string description, string subject) => new(name)
    {
        Description = description,
        CustomParser = result => (int)(Number(result, subject, min, max) ?? 0),
    };

    /// <summary>The task id argument (a positive number).</summary>
    public static Argument<long> TaskId() => new("id")
    {
        Description = "The task's id",
        CustomParser = result => Number(result, "the task id", 1, long.MaxValue) ?? 0,
    };

    /// <summary><c>--deliver pr|commit|patch</c>; <see cref="DeliveryFlow.Unspecified"/> when absent.</summary>
    public static Option<DeliveryFlow> Deliver(string description) => new("--deliver")
    {
        Description = description,
        HelpName = "pr|commit|patch",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            switch (text.ToLowerInvariant())
            {
                case "pr" or "pull-request":
                    return DeliveryFlow.PullRequest;
                case "commit" or "direct-commit":
                    return DeliveryFlow.DirectCommit;
                case "patch":
                    return DeliveryFlow.Patch;
                default:
                    result.AddError($"--deliver must be 'pr', 'commit' or 'patch', not '{text}'.");
                    return DeliveryFlow.Unspecified;
            }
        },
    };

    /// <summary><c>--name on|off</c>; null when absent.</summary>
    /// <remarks>A switch, not a bool: the parser would take a bool option's value only when it reads as true or false.</remarks>
    public static Option<Switch?> OnOff(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "on|off",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            switch (text.ToLowerInvariant())
            {
                case "on":
                    return Switch.On;
                case "off":
                    return Switch.Off;
                default:
                    result.AddError($"{name} must be 'on' or 'off', not '{text}'.");
                    return null;
            }
        },
    };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    public static Option<string?> Text(string name, string description, string helpName = "text") =>
        new(name) { Description = description, HelpName = helpName };

    /// <summary>The value of a numeric token, or null with an error on <paramref name="result"/>.</summary>
    private static long? Number(ArgumentResult result, string name, long min, long max)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        var range = max == long.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"a number of at least {min}")
            : string.Create(CultureInfo.InvariantCulture, $"a number between {min} and {max}");
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"{name} must be {range} (got '{text}').");
        return null;
    }
}

/// <summary>The value of an <c>on|off</c> option.</summary>
internal enum Switch
{
    Off,
    On,
}
