namespace DevServer.Delivery.Preflight;

/// <summary>
/// The gate every delivery passes first: scans a patch series (a <c>git format-patch --binary</c> mbox) for secrets
/// in the lines it adds, in its commit messages and in its authors, for paths it must not touch, for unexpected
/// authors and for excessive size. Pure: the same series and options always give the same findings, in the same order (series-wide
/// findings first, then by file, line and rule).
/// </summary>
public static class PreflightGate
{
    public static PreflightReport Scan(ReadOnlySpan<byte> mbox, PreflightOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var findings = new List<PreflightFinding>();
        var patches = PatchSeriesParser.Parse(mbox);
        if (patches.Count == 0 && !mbox.IsEmpty)
        {
            findings.Add(new PreflightFinding(PreflightRules.Unreadable, string.Empty, 0, "the series holds no format-patch entries"));
        }

        if (mbox.Length > options.Limits.MaxSeriesBytes)
        {
            findings.Add(new PreflightFinding(
                PreflightRules.SeriesBytes, string.Empty, 0, $"the series is {mbox.Length} bytes; the limit is {options.Limits.MaxSeriesBytes}"));
        }

        CheckAuthors(patches, options, findings);
        CheckMessages(patches, options, findings);
        CheckFiles(patches, options, findings);
        var ordered = findings
            .Distinct()
            .OrderBy(f => f.File.Length == 0 ? 0 : 1)
            .ThenBy(f => f.File, StringComparer.Ordinal)
            .ThenBy(f => f.Line)
            .ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .ThenBy(f => f.Preview, StringComparer.Ordinal)
            .ToList();
        return new PreflightReport(ordered);
    }

    // An author is delivered too (every commit names it), and an agent chooses it (git config user.name/user.email,
    // or a "From:" line starting its message, which git am takes as the author): the same secret rules as messages,
    // on the name and e-mail as git am records them. The identity rule's preview shows the e-mail masked as well.
    private static void CheckAuthors(IReadOnlyList<ParsedPatch> patches, PreflightOptions options, List<PreflightFinding> findings)
    {
        var identity = options.Identity;
        var checkIdentity = identity.AllowedEmails.Count > 0 || identity.AllowedDomains.Count > 0;
        foreach (var patch in patches)
        {
            foreach (var author in patch.Authors.Distinct())
            {
                AddSecretFindings(author.ToString(), options, string.Empty, 0, $"commit {patch.Index} author: ", findings);
                var email = author.Email;
                var at = email.LastIndexOf('@');
                var domain = at >= 0 ? email[(at + 1)..] : string.Empty;
                var allowed = !checkIdentity
                    || identity.AllowedEmails.Contains(email, StringComparer.OrdinalIgnoreCase)
                    || identity.AllowedDomains.Any(d => string.Equals(d.TrimStart('@'), domain, StringComparison.OrdinalIgnoreCase));
                if (!allowed)
                {
                    var masked = SecretRules.Mask(email, SecretRules.Find(email, options));
                    findings.Add(new PreflightFinding(
                        PreflightRules.Author, string.Empty, 0, $"patch {patch.Index} is authored by {masked}, which is not an expected identity"));
                }
            }
        }
    }

    // The messages are delivered too (commits on the forge, the pull request's commit list): the same secret rules as
    // added lines. A finding names the commit and shows the line masked; it is series-wide (no file, no line).
    private static void CheckMessages(IReadOnlyList<ParsedPatch> patches, PreflightOptions options, List<PreflightFinding> findings)
    {
        foreach (var patch in patches)
        {
            foreach (var line in patch.Message)
            {
                AddSecretFindings(line, options, string.Empty, 0, $"commit {patch.Index} message: ", findings);
            }
        }
    }

    private static void CheckFiles(IReadOnlyList<ParsedPatch> patches, PreflightOptions options, List<PreflightFinding> findings)
    {
        var denied = options.Paths.Denied.Select(p => new Glob(p)).ToList();
        var locks = options.Paths.AllowLockFiles ? [] : options.Paths.LockFiles.Select(p => new Glob(p)).ToList();
        var allowed = options.Paths.Allowed?.Select(p => new Glob(p)).ToList();
        var addedBytes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in patches.SelectMany(p => p.Files))
        {
            foreach (var path in new[] { file.Path, file.OldPath }.OfType<string>().Distinct(StringComparer.Ordinal))
            {
                if (denied.FirstOrDefault(g => g.IsMatch(path)) is { } deny)
                {
                    findings.Add(new PreflightFinding(PreflightRules.DeniedPath, path, 0, $"matches the deny-list pattern {deny.Pattern}"));
                }

                if (locks.FirstOrDefault(g => g.IsMatch(path)) is { } lockFile)
                {
                    findings.Add(new PreflightFinding(PreflightRules.LockFile, path, 0, $"lock file ({lockFile.Pattern}) changes are not allowed here"));
                }

                if (allowed is not null && !allowed.Any(g => g.IsMatch(path)))
                {
                    findings.Add(new PreflightFinding(PreflightRules.NotAllowedPath, path, 0, "not on the repository's allow-list"));
                }

                addedBytes[path] = addedBytes.GetValueOrDefault(path);
            }

            addedBytes[file.Path] += file.AddedBytes;
            if (!file.Deleted && IsEnvFile(file.Path))
            {
                findings.Add(new PreflightFinding(
                    PreflightRules.EnvFile, file.Path, 0, ".env files hold secrets and are never delivered"));
            }

            if (!file.Binary)
            {
                ScanLines(file, options, findings);
            }
        }

        if (addedBytes.Count > options.Limits.MaxFilesChanged)
        {
            findings.Add(new PreflightFinding(
                PreflightRules.FilesChanged, string.Empty, 0, $"{addedBytes.Count} files changed; the limit is {options.Limits.MaxFilesChanged}"));
        }

        foreach (var (path, bytes) in addedBytes.Where(p => p.Value > options.Limits.MaxFileBytes))
        {
            findings.Add(new PreflightFinding(
                PreflightRules.FileBytes, path, 0, $"{bytes} bytes added; the limit is {options.Limits.MaxFileBytes}"));
        }
    }

    private static void ScanLines(PatchedFile file, PreflightOptions options, List<PreflightFinding> findings)
    {
        foreach (var line in file.AddedLines)
        {
            AddSecretFindings(line.Text, options, file.Path, line.Number, string.Empty, findings);
        }
    }

    /// <summary>One finding per secret rule that matches <paramref name="text"/>, previewed with the secrets masked.</summary>
    private static void AddSecretFindings(string text, PreflightOptions options, string file, int line, string previewPrefix, List<PreflightFinding> findings)
    {
        var matches = SecretRules.Find(text, options);
        if (matches.Count == 0)
        {
            return;
        }

        var preview = previewPrefix + SecretRules.Mask(text, matches);
        foreach (var ruleId in matches.Select(m => m.RuleId).Distinct())
        {
            findings.Add(new PreflightFinding(ruleId, file, line, preview));
        }
    }

    // .env, .env.local, config/.env.production; templates meant to be committed are not secrets.
    private static bool IsEnvFile(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        if (name != ".env" && !name.StartsWith(".env.", StringComparison.Ordinal))
        {
            return false;
        }

        return !(name.EndsWith(".example", StringComparison.Ordinal)
            || name.EndsWith(".sample", StringComparison.Ordinal)
            || name.EndsWith(".template", StringComparison.Ordinal)
            || name.EndsWith(".dist", StringComparison.Ordinal));
    }
}
