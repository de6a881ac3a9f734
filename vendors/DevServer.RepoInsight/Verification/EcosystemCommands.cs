using System.Text.Json;
using System.Text.RegularExpressions;

namespace DevServer.RepoInsight;

/// <summary>Commands from build files, one method per ecosystem; each yields at most one command per stage.</summary>
internal static partial class EcosystemCommands
{
    private const string NpmPlaceholderTest = "no test specified";

    private static readonly string[] MakefileNames = ["GNUmakefile", "makefile", "Makefile"];
    private static readonly string[] LintScripts = ["lint", "check", "typecheck"];
    private static readonly string[] RequirementFiles = ["requirements-dev.txt", "requirements_dev.txt", "dev-requirements.txt", "requirements.txt"];
    private static readonly string[] GradleFiles = ["build.gradle.kts", "build.gradle"];
    private static readonly string[] GradleLintPlugins = ["ktlint", "detekt", "spotless", "checkstyle"];

    public static IEnumerable<DetectedCommand> Makefile(RepositoryFolder repository)
    {
        var name = MakefileNames.FirstOrDefault(repository.Exists);
        if (name is null || repository.Read(name) is not { } text)
        {
            yield break;
        }

        var targets = MakeTarget().Matches(text).Select(m => m.Groups["t"].Value).ToHashSet(StringComparer.Ordinal);
        string Reason(string target) => $"{name} target \"{target}\"";
        if (targets.Contains("build"))
        {
            yield return new(VerificationStage.Build, "make build", Reason("build"));
        }
        else if (targets.Contains("all"))
        {
            yield return new(VerificationStage.Build, "make all", Reason("all"));
        }

        var testTarget = targets.Contains("test") ? "test" : targets.Contains("check") ? "check" : null;
        if (testTarget is not null)
        {
            yield return new(VerificationStage.Test, "make " + testTarget, Reason(testTarget));
        }

        var lintTarget = targets.Contains("lint") ? "lint" : testTarget == "test" && targets.Contains("check") ? "check" : null;
        if (lintTarget is not null)
        {
            yield return new(VerificationStage.Lint, "make " + lintTarget, Reason(lintTarget));
        }
    }

    public static IEnumerable<DetectedCommand> Node(RepositoryFolder repository)
    {
        if (repository.Read("package.json") is not { } text)
        {
            yield break;
        }

        Dictionary<string, string> scripts;
        string? packageManagerField;
        try
        {
            using var json = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            scripts = json.RootElement.TryGetProperty("scripts", out var s) && s.ValueKind == JsonValueKind.Object
                ? s.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
                : [];
            packageManagerField = json.RootElement.TryGetProperty("packageManager", out var pm) && pm.ValueKind == JsonValueKind.String ? pm.GetString() : null;
        }
        catch (JsonException)
        {
            yield break; // a package.json that does not parse says nothing reliable
        }

        var (manager, install, installReason) = PackageManager(repository, packageManagerField);
        yield return new(VerificationStage.Pre, install, installReason);
        if (scripts.ContainsKey("build"))
        {
            yield return new(VerificationStage.Build, $"{manager} run build", "package.json script \"build\"");
        }

        if (scripts.TryGetValue("test", out var test) && !test.Contains(NpmPlaceholderTest, StringComparison.Ordinal))
        {
            yield return new(VerificationStage.Test, $"{manager} test", "package.json script \"test\"");
        }

        foreach (var lint in LintScripts)
        {
            if (scripts.ContainsKey(lint))
            {
                yield return new(VerificationStage.Lint, $"{manager} run {lint}", $"package.json script \"{lint}\"");
                break;
            }
        }
    }

    public static IEnumerable<DetectedCommand> DotNet(RepositoryFolder repository)
    {
        var solutions = repository.Files("*.sln").Concat(repository.Files("*.slnx")).ToList();
        var projects = repository.Files("*.csproj").Concat(repository.Files("*.fsproj")).ToList();
        string? target;
        string what;
        if (solutions.Count > 0)
        {
            target = solutions.Count == 1 && projects.Count == 0 ? null : solutions[0];
            what = solutions[0];
        }
        else if (projects.Count > 0)
        {
            target = projects.Count == 1 ? null : projects[0];
            what = projects[0];
        }
        else
        {
            yield break;
        }

        // With exactly one project or solution file in the folder, dotnet finds it; otherwise it must be named.
        var suffix = target is null ? "" : " " + target;
        yield return new(VerificationStage.Pre, "dotnet restore" + suffix, what);
        yield return new(VerificationStage.Build, "dotnet build --no-restore" + suffix, what);
        yield return new(VerificationStage.Test, "dotnet test --no-restore" + suffix, what);
        if (repository.Exists(".editorconfig"))
        {
            yield return new(VerificationStage.Lint, "dotnet format --verify-no-changes --no-restore" + suffix, what + " with .editorconfig");
        }
    }

    public static IEnumerable<DetectedCommand> Rust(RepositoryFolder repository)
    {
        if (!repository.Exists("Cargo.toml"))
        {
            yield break;
        }

        yield return new(VerificationStage.Build, "cargo build --all-targets", "Cargo.toml");
        yield return new(VerificationStage.Test, "cargo test", "Cargo.toml");
        yield return new(VerificationStage.Lint, "cargo clippy --all-targets -- -D warnings", "Cargo.toml (clippy)");
    }

    public static IEnumerable<DetectedCommand> Go(RepositoryFolder repository)
    {
        if (!repository.Exists("go.mod"))
        {
            yield break;
        }

        yield return new(VerificationStage.Pre, "go mod download", "go.mod");
        yield return new(VerificationStage.Build, "go build ./...", "go.mod");
        yield return new(VerificationStage.Test, "go test ./...", "go.mod");
        yield return repository.Exists(".golangci.yml") || repository.Exists(".golangci.yaml") || repository.Exists(".golangci.toml")
            ? new(VerificationStage.Lint, "golangci-lint run", ".golangci configuration")
            : new(VerificationStage.Lint, "go vet ./...", "go.mod (go vet)");
    }

    public static IEnumerable<DetectedCommand> Python(RepositoryFolder repository)
    {
        var pyproject = repository.Read("pyproject.toml") ?? "";
        var setupCfg = repository.Read("setup.cfg") ?? "";
        var tox = repository.Read("tox.ini") ?? "";
        var requirementsFile = RequirementFiles.FirstOrDefault(repository.Exists);
        var requirements = requirementsFile is null ? "" : repository.Read(requirementsFile) ?? "";
        var isPython = pyproject.Length > 0 || setupCfg.Length > 0 || tox.Length > 0 || requirementsFile is not null || repository.Exists("setup.py");
        if (!isPython)
        {
            yield break;
        }

        if (repository.Exists("uv.lock"))
        {
            yield return new(VerificationStage.Pre, "uv sync", "uv.lock");
        }
        else if (repository.Exists("poetry.lock"))
        {
            yield return new(VerificationStage.Pre, "poetry install", "poetry.lock");
        }
        else if (requirementsFile is not null)
        {
            yield return new(VerificationStage.Pre, $"python3 -m pip install -r {requirementsFile}", requirementsFile);
        }

        var runner = repository.Exists("uv.lock") ? "uv run " : repository.Exists("poetry.lock") ? "poetry run " : "";
        if (pyproject.Contains("[tool.pytest", StringComparison.Ordinal))
        {
            yield return new(VerificationStage.Test, runner + "python3 -m pytest", "pyproject.toml [tool.pytest.ini_options]");
        }
        else if (repository.Exists("pytest.ini") || setupCfg.Contains("[tool:pytest]", StringComparison.Ordinal) || tox.Contains("[pytest]", StringComparison.Ordinal))
        {
            yield return new(VerificationStage.Test, runner + "python3 -m pytest", "pytest configuration (pytest.ini, setup.cfg or tox.ini)");
        }
        else if (repository.Exists("conftest.py") || Mentions(pyproject + requirements + setupCfg, "pytest"))
        {
            yield return new(VerificationStage.Test, runner + "python3 -m pytest", "pytest is a dependency (or conftest.py exists)");
        }
        else
        {
            var start = Directory.Exists(Path.Combine(repository.Root, "tests")) ? " -s tests" : Directory.Exists(Path.Combine(repository.Root, "test")) ? " -s test" : "";
            yield return new(VerificationStage.Test, $"python3 -m unittest discover{start}", "Python project without pytest: unittest discovery");
        }

        if (pyproject.Contains("[tool.ruff", StringComparison.Ordinal) || repository.Exists("ruff.toml") || repository.Exists(".ruff.toml"))
        {
            yield return new(VerificationStage.Lint, runner + "ruff check .", "ruff configuration");
        }
        else if (repository.Exists(".flake8") || setupCfg.Contains("[flake8]", StringComparison.Ordinal) || tox.Contains("[flake8]", StringComparison.Ordinal))
        {
            yield return new(VerificationStage.Lint, runner + "python3 -m flake8", "flake8 configuration");
        }
    }

    public static IEnumerable<DetectedCommand> CMake(RepositoryFolder repository)
    {
        if (repository.Read("CMakeLists.txt") is not { } text)
        {
            yield break;
        }

        yield return new(VerificationStage.Pre, "cmake -S . -B build", "CMakeLists.txt");
        yield return new(VerificationStage.Build, "cmake --build build", "CMakeLists.txt");
        if (text.Contains("enable_testing", StringComparison.OrdinalIgnoreCase) || text.Contains("add_test", StringComparison.OrdinalIgnoreCase))
        {
            yield return new(VerificationStage.Test, "ctest --test-dir build --output-on-failure", "CMakeLists.txt enables testing");
        }
    }

    public static IEnumerable<DetectedCommand> Maven(RepositoryFolder repository)
    {
        if (repository.Read("pom.xml") is not { } pom)
        {
            yield break;
        }

        var mvn = repository.Exists("mvnw") ? "./mvnw" : "mvn";
        yield return new(VerificationStage.Build, $"{mvn} -B -q compile", "pom.xml");
        yield return new(VerificationStage.Test, $"{mvn} -B test", "pom.xml");
        if (pom.Contains("maven-checkstyle-plugin", StringComparison.Ordinal))
        {
            yield return new(VerificationStage.Lint, $"{mvn} -B checkstyle:check", "pom.xml uses maven-checkstyle-plugin");
        }
        else if (pom.Contains("spotless-maven-plugin", StringComparison.Ordinal))
        {
            yield return new(VerificationStage.Lint, $"{mvn} -B spotless:check", "pom.xml uses spotless-maven-plugin");
        }
    }

    public static IEnumerable<DetectedCommand> Gradle(RepositoryFolder repository)
    {
        var file = GradleFiles.FirstOrDefault(repository.Exists);
        if (file is null)
        {
            yield break;
        }

        var gradle = repository.Exists("gradlew") ? "./gradlew" : "gradle";
        var text = repository.Read(file) ?? "";
        yield return new(VerificationStage.Build, $"{gradle} assemble", file);
        yield return new(VerificationStage.Test, $"{gradle} test", file);
        if (GradleLintPlugins.FirstOrDefault(p => text.Contains(p, StringComparison.OrdinalIgnoreCase)) is { } plugin)
        {
            yield return new(VerificationStage.Lint, $"{gradle} check -x test", $"{file} applies {plugin}");
        }
    }

    private static (string Manager, string Install, string Reason) PackageManager(RepositoryFolder repository, string? packageManagerField)
    {
        if (packageManagerField?.StartsWith("pnpm", StringComparison.Ordinal) == true || repository.Exists("pnpm-lock.yaml"))
        {
            return ("pnpm", "pnpm install --frozen-lockfile", repository.Exists("pnpm-lock.yaml") ? "pnpm-lock.yaml" : "package.json packageManager pnpm");
        }

        if (packageManagerField?.StartsWith("yarn", StringComparison.Ordinal) == true || repository.Exists("yarn.lock"))
        {
            // Yarn 2+ (a .yarnrc.yml) renamed --frozen-lockfile to --immutable.
            var immutable = repository.Exists(".yarnrc.yml") ? "--immutable" : "--frozen-lockfile";
            return ("yarn", "yarn install " + immutable, repository.Exists("yarn.lock") ? "yarn.lock" : "package.json packageManager yarn");
        }

        if (repository.Exists("bun.lockb") || repository.Exists("bun.lock"))
        {
            return ("bun", "bun install --frozen-lockfile", "bun lock file");
        }

        return repository.Exists("package-lock.json") || repository.Exists("npm-shrinkwrap.json")
            ? ("npm", "npm ci", "package-lock.json")
            : ("npm", "npm install", "package.json without a lock file");
    }

    private static bool Mentions(string text, string word) => Regex.IsMatch(text, @"(?<![\w-])" + Regex.Escape(word) + @"(?![\w-])", RegexOptions.IgnoreCase);

    [GeneratedRegex(@"^(?<t>[A-Za-z0-9_.-]+)[ \t]*:(?!=)", RegexOptions.Multiline)]
    private static partial Regex MakeTarget();
}
