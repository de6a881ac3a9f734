using System.Text.RegularExpressions;

namespace DevServer.RepoInsight;

/// <summary>
/// Commands from the build/test/lint sections of AGENTS.md (or CLAUDE.md): under a heading that names a stage
/// ("Build", "Testing", "Lint", "Setup", "Build and test"), the lines of fenced code blocks and backticked
/// commands in the text. A heading naming one stage gives it every command below; a heading naming several (or
/// "Commands", "Development") sorts each command by its words.
/// </summary>
internal static partial class GuidanceCommands
{
    private static readonly string[] Files = ["AGENTS.md", "CLAUDE.md"];

    public static IEnumerable<DetectedCommand> Detect(RepositoryFolder repository)
    {
        var seen = new HashSet<VerificationStage>();
        foreach (var file in Files)
        {
            if (repository.Read(file) is not { } text)
            {
                continue;
            }

            foreach (var (stage, command, heading) in Commands(text))
            {
                if (seen.Add(stage))
                {
                    yield return new(stage, command, $"{file} section \"{heading}\"");
                }
            }
        }
    }

    internal static IEnumerable<(VerificationStage Stage, string Command, string Heading)> Commands(string markdown)
    {
        string? heading = null;
        List<VerificationStage> headingStages = [];
        var inFence = false;
        var fenceIsShell = false;
        foreach (var rawLine in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = rawLine.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                var info = line.TrimStart()[3..].Trim().ToLowerInvariant();
                fenceIsShell = info is "" or "bash" or "sh" or "shell" or "console" or "zsh" or "powershell" or "pwsh" or "cmd";
                continue;
            }

            if (!inFence && HeadingLine().Match(line) is { Success: true } h)
            {
                heading = h.Groups["h"].Value.Trim();
                headingStages = StagesOf(heading);
                continue;
            }

            if (heading is null || headingStages.Count == 0)
            {
                continue;
            }

            var commands = inFence
                ? (fenceIsShell && CommandLine(line) is { } fenced ? [fenced] : [])
                : InlineCode().Matches(line).Select(m => m.Groups["c"].Value.Trim()).Where(LooksLikeCommand).ToList();
            foreach (var command in commands)
            {
                if (Stage(command, headingStages) is { } stage)
                {
                    yield return (stage, command, heading);
                }
            }
        }
    }

    private static string? CommandLine(string line)
    {
        var text = line.Trim();
        if (text.StartsWith("$ ", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        // A trailing "# comment" explains the command; it is not part of it.
        var comment = text.IndexOf(" #", StringComparison.Ordinal);
        if (comment > 0)
        {
            text = text[..comment].TrimEnd();
        }

        return text.Length == 0 || text.StartsWith('#') || !LooksLikeCommand(text) ? null : text;
    }

    private static bool LooksLikeCommand(string text) => CommandShape().IsMatch(text);

    private static List<VerificationStage> StagesOf(string heading)
    {
        var lower = heading.ToLowerInvariant();
        var stages = new List<VerificationStage>();
        if (Regex.IsMatch(lower, @"\b(setup|set up|install(ation|ing)?|prerequisites?|bootstrap|dependencies)\b"))
        {
            stages.Add(VerificationStage.Pre);
        }

        if (Regex.IsMatch(lower, @"\b(build(ing)?|compil(e|ing))\b"))
        {
            stages.Add(VerificationStage.Build);
        }

        if (Regex.IsMatch(lower, @"\b(tests?|testing)\b"))
        {
            stages.Add(VerificationStage.Test);
        }

        if (Regex.IsMatch(lower, @"\b(lint(ing)?|linters?|format(ting)?|style|static analysis)\b"))
        {
            stages.Add(VerificationStage.Lint);
        }

        if (stages.Count == 0 && Regex.IsMatch(lower, @"\b(commands|development|workflow|checks?|verification|ci)\b"))
        {
            stages.AddRange([VerificationStage.Pre, VerificationStage.Build, VerificationStage.Test, VerificationStage.Lint]);
        }

        return stages;
    }

    // Under a heading for one stage, every command is that stage's; otherwise the command's own words decide.
    private static VerificationStage? Stage(string command, List<VerificationStage> headingStages)
    {
        if (headingStages.Count == 1)
        {
            return headingStages[0];
        }

        var lower = command.ToLowerInvariant();
        VerificationStage? byWords =
            Regex.IsMatch(lower, @"\b(lint|eslint|clippy|ruff|flake8|vet|golangci-lint|checkstyle|spotless|prettier|black|mypy|typecheck)\b|format\b.*(--check|--verify)") ? VerificationStage.Lint
            : Regex.IsMatch(lower, @"\b(test|tests|pytest|ctest|jest|vitest|unittest)\b") ? VerificationStage.Test
            : Regex.IsMatch(lower, @"\b(build|compile|assemble|tsc)\b") ? VerificationStage.Build
            : Regex.IsMatch(lower, @"\b(install|restore|ci|download|fetch|sync|bootstrap)\b") ? VerificationStage.Pre
            : null;
        return byWords is { } stage && headingStages.Contains(stage) ? stage : null;
    }

    [GeneratedRegex(@"^[ ]{0,3}#{1,6}[ \t]+(?<h>.+?)[ \t#]*$")]
    private static partial Regex HeadingLine();

    [GeneratedRegex(@"`(?<c>[^`\n]+)`")]
    private static partial Regex InlineCode();

    // A program name (or ./path) followed by arguments: "npm test", "./build.sh test", "make lint".
    [GeneratedRegex(@"^(?:[A-Z_]+=\S*[ \t]+)*(?:\./|\.\./)?[a-z][\w./-]*[ \t]+\S")]
    private static partial Regex CommandShape();
}
