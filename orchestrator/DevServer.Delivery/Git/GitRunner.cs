using System.Globalization;
using System.Text;
using DevServer.Processes;
using Microsoft.Extensions.Logging;

namespace DevServer.Delivery.Git;

/// <summary>How a git command ended and what it said (with any credential scrubbed out).</summary>
internal sealed record GitResult(int? ExitCode, string StandardOutput, string Output)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>True when the command ran out of its time and was stopped; <see cref="TimeoutMessage"/> says which and after how long.</summary>
    public bool TimedOut => TimeoutMessage.Length > 0;

    public string TimeoutMessage { get; init; } = string.Empty;

    public string Tail(int maxCharacters = 1500)
    {
        var text = Output.Trim();
        return text.Length <= maxCharacters ? text : text[^maxCharacters..];
    }
}

/// <summary>
/// Runs git for delivery: non-interactive, English messages, no hooks, no signing, no credential helpers, and the
/// token (when given) only as an <c>http.extraHeader</c> in environment variables. Every line git prints is
/// scrubbed of the token before anyone (the log, an outcome's message) sees it. Every command has a time limit: one
/// that runs out is stopped with its whole process tree (git's remote helpers included) and reported as timed out.
/// </summary>
internal sealed partial class GitRunner(ILogger logger, GitDeliveryOptions options)
{
    // SIGINT first (git removes its lock files on it), then the tree is killed: a hung transfer has nothing to save.
    private static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(2);

    private readonly GitDeliveryOptions _limits = options;

    public string CommitterName { get; } = options.CommitterName;

    public string CommitterEmail { get; } = options.CommitterEmail;

    public async Task<GitResult> RunAsync(
        string directory,
        IReadOnlyList<string> arguments,
        GitCredentials? credentials,
        CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, string>
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_ASKPASS"] = "true",
            ["SSH_ASKPASS"] = "true",
            ["GIT_EDITOR"] = "true",
            ["GIT_MERGE_AUTOEDIT"] = "no",
            ["LC_ALL"] = "C",
            ["GIT_COMMITTER_NAME"] = CommitterName,
            ["GIT_COMMITTER_EMAIL"] = CommitterEmail,
            ["GIT_CONFIG_COUNT"] = "0",
        };
        if (credentials is not null)
        {
            variables["GIT_CONFIG_COUNT"] = "1";
            variables["GIT_CONFIG_KEY_0"] = "http.extraHeader";
            variables["GIT_CONFIG_VALUE_0"] = $"Authorization: Basic {credentials.BasicValue}";
        }

        // -c before the command: an empty credential.helper clears inherited helpers (nothing is stored or asked),
        // hooksPath /dev/null keeps an operator's or a remote's hooks from running in our name. The low-speed pair
        // makes git give up an http(s) transfer that stalls (a server that accepts and never answers) by itself.
        string[] safety =
        [
            "-c", "credential.helper=", "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false",
            "-c", $"user.name={CommitterName}", "-c", $"user.email={CommitterEmail}", "-c", "gc.auto=0", "-c", "maintenance.auto=false",
            "-c", string.Create(CultureInfo.InvariantCulture, $"http.lowSpeedLimit={_limits.StallBytesPerSecond}"),
            "-c", string.Create(CultureInfo.InvariantCulture, $"http.lowSpeedTime={Math.Max(1, (int)Math.Ceiling(_limits.StallTime.TotalSeconds))}"),
        ];
        var standardOutput = new StringBuilder();
        var output = new StringBuilder();
        var spec = new ProcessSpec("git", [.. safety, .. arguments])
        {
            WorkingDirectory = directory,
            Environment = variables,
            GracePeriod = StopGracePeriod,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_limits.CommandTimeout);
        var command = arguments.Count > 0 ? arguments[0] : string.Empty;
        var exit = await ProcessRunner.RunAsync(
            spec,
            line =>
            {
                var text = Scrub(line.Text, credentials);
                if (!line.IsStandardError)
                {
                    standardOutput.Append(text).Append('\n');
                }

                output.Append(text).Append('\n');
                GitLine(logger, command, text);
            },
            timeout.Token);
        cancellationToken.ThrowIfCancellationRequested();
        if (!exit.Cancelled)
        {
            return new GitResult(exit.ExitCode, standardOutput.ToString(), output.ToString());
        }

        // Only our own time limit cancels without the caller's token: the runner has stopped git and its children.
        var message = $"git {command} did not finish within {Describe(_limits.CommandTimeout)} and was stopped";
        GitTimedOut(logger, command, _limits.CommandTimeout);
        return new GitResult(exit.ExitCode, standardOutput.ToString(), output.Append(message).Append('\n').ToString()) { TimeoutMessage = message };
    }

    /// <summary>Like <see cref="RunAsync"/> for commands that must succeed; the exception carries scrubbed output only.</summary>
    public async Task<GitResult> RunCheckedAsync(string directory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await RunAsync(directory, arguments, null, cancellationToken);
        return result.Succeeded ? result
            : result.TimedOut ? throw new TimeoutException(result.TimeoutMessage)
            : throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed (exit code {result.ExitCode}): {result.Tail()}");
    }

    public async Task<string> RevParseAsync(string directory, string revision, CancellationToken cancellationToken) =>
        (await RunCheckedAsync(directory, ["rev-parse", "--verify", revision], cancellationToken)).StandardOutput.Trim();

    public async Task<string?> TryRevParseAsync(string directory, string revision, CancellationToken cancellationToken)
    {
        var result = await RunAsync(directory, ["rev-parse", "--verify", "--quiet", revision], null, cancellationToken);
        return result.Succeeded ? result.StandardOutput.Trim()
            // "No such revision" must not be concluded from a git that never answered.
            : result.TimedOut ? throw new TimeoutException(result.TimeoutMessage)
            : null;
    }

    /// <summary>
    /// Whether <paramref name="ancestor"/> is an ancestor of (or is) <paramref name="descendant"/> in the repository at
    /// <paramref name="directory"/>; null when git cannot tell (a commit it does not have).
    /// </summary>
    public async Task<bool?> IsAncestorAsync(string directory, string ancestor, string descendant, CancellationToken cancellationToken)
    {
        var result = await RunAsync(directory, ["merge-base", "--is-ancestor", ancestor, descendant], null, cancellationToken);
        return result.TimedOut ? throw new TimeoutException(result.TimeoutMessage)
            : result.ExitCode switch { 0 => true, 1 => false, _ => null };
    }

    internal static string Describe(TimeSpan time) =>
        time >= TimeSpan.FromMinutes(1) && time.Seconds == 0 && time.Milliseconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalMinutes:0.#} min")
            : string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.###} s");

    // git does not print extra headers, but a proxy's or a server's message might echo what it was sent.
    internal static string Scrub(string text, GitCredentials? credentials)
    {
        if (credentials is null || credentials.Token.Length == 0)
        {
            return text;
        }

        return text
            .Replace(credentials.Token, "***", StringComparison.Ordinal)
            .Replace(credentials.BasicValue, "***", StringComparison.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "git {Command} ran out of its {Timeout} and was stopped with its process tree")]
    private static partial void GitTimedOut(ILogger logger, string command, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "git {Command}: {Line}")]
    private static partial void GitLine(ILogger logger, string command, string line);
}
