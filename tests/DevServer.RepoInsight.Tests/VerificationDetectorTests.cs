namespace DevServer.RepoInsight.Tests;

public sealed class VerificationDetectorTests
{
    public static TheoryData<string, string[], string?, string?, string?, string?> Ecosystems => new()
    {
        {
            "npm with a lock file",
            ["package.json", """{"scripts":{"build":"tsc","test":"vitest run","lint":"eslint ."}}""", "package-lock.json", "{}"],
            "npm ci", "npm run build", "npm test", "npm run lint"
        },
        {
            "pnpm",
            ["package.json", """{"scripts":{"test":"jest","typecheck":"tsc --noEmit"}}""", "pnpm-lock.yaml", ""],
            "pnpm install --frozen-lockfile", null, "pnpm test", "pnpm run typecheck"
        },
        {
            "yarn with npm's placeholder test script",
            ["package.json", """{"scripts":{"test":"echo \"Error: no test specified\" && exit 1","build":"webpack"}}""", "yarn.lock", ""],
            "yarn install --frozen-lockfile", "yarn run build", null, null
        },
        {
            "one .NET solution",
            ["App.sln", "", ".editorconfig", "root = true"],
            "dotnet restore", "dotnet build --no-restore", "dotnet test --no-restore", "dotnet format --verify-no-changes --no-restore"
        },
        {
            "two .NET projects",
            ["A.csproj", "<Project />", "B.csproj", "<Project />"],
            "dotnet restore A.csproj", "dotnet build --no-restore A.csproj", "dotnet test --no-restore A.csproj", null
        },
        {
            "Cargo",
            ["Cargo.toml", "[package]\nname = \"x\"\n"],
            null, "cargo build --all-targets", "cargo test", "cargo clippy --all-targets -- -D warnings"
        },
        {
            "Go",
            ["go.mod", "module example.com/x\n"],
            "go mod download", "go build ./...", "go test ./...", "go vet ./..."
        },
        {
            "pyproject with pytest and ruff",
            ["pyproject.toml", "[project]\nname='x'\n[tool.pytest.ini_options]\n[tool.ruff]\n", "requirements.txt", "requests\n"],
            "python3 -m pip install -r requirements.txt", null, "python3 -m pytest", "ruff check ."
        },
        {
            "setup.cfg with flake8, no pytest",
            ["setup.cfg", "[metadata]\nname = x\n[flake8]\nmax-line-length = 100\n", "tests/test_x.py", ""],
            null, null, "python3 -m unittest discover -s tests", "python3 -m flake8"
        },
        {
            "tox.ini with pytest",
            ["tox.ini", "[tox]\n[pytest]\naddopts = -q\n"],
            null, null, "python3 -m pytest", null
        },
        {
            "Makefile",
            ["Makefile", "all: build\nbuild:\n\tcc main.c\ntest: build\n\t./run-tests\nlint:\n\tcppcheck .\nVAR := 1\n"],
            null, "make build", "make test", "make lint"
        },
        {
            "Makefile with check only",
            ["Makefile", "all:\n\tcc main.c\ncheck:\n\t./t\n"],
            null, "make all", "make check", null
        },
        {
            "CMake with tests",
            ["CMakeLists.txt", "project(x)\nenable_testing()\nadd_test(NAME t COMMAND t)\n"],
            "cmake -S . -B build", "cmake --build build", "ctest --test-dir build --output-on-failure", null
        },
        {
            "Maven with checkstyle",
            ["pom.xml", "<project><build><plugins><plugin><artifactId>maven-checkstyle-plugin</artifactId></plugin></plugins></build></project>"],
            null, "mvn -B -q compile", "mvn -B test", "mvn -B checkstyle:check"
        },
        {
            "Gradle wrapper with ktlint",
            ["build.gradle.kts", "plugins { id(\"org.jlleitschuh.gradle.ktlint\") }\n", "gradlew", "#!/bin/sh\n"],
            null, "./gradlew assemble", "./gradlew test", "./gradlew check -x test"
        },
    };

    [Theory]
    [MemberData(nameof(Ecosystems))]
    public void Detect_Ecosystem_GivesItsCommandsWithReasons(string name, string[] files, string? pre, string? build, string? test, string? lint)
    {
        using var repository = new TempRepository();
        for (var i = 0; i < files.Length; i += 2)
        {
            repository.Write(files[i], files[i + 1]);
        }

        var stages = VerificationDetector.Detect(repository.Root, null);

        Assert.Equal([pre, build, test, lint], stages.All.Select(s => s.Command));
        Assert.All(stages.All, s =>
        {
            Assert.Equal(s.Command is null ? StageOrigin.None : StageOrigin.Detected, s.Origin);
            Assert.False(string.IsNullOrWhiteSpace(s.Reason), name);
        });
    }

    [Fact]
    public void Detect_PackageJsonScript_SaysWhichScript()
    {
        using var repository = new TempRepository().Write("package.json", """{"scripts":{"test":"vitest"}}""");

        var test = VerificationDetector.Detect(repository.Root, null).Test;

        Assert.Equal("package.json script \"test\"", test.Reason);
        Assert.Equal("npm install", VerificationDetector.Detect(repository.Root, null).Pre.Command);
    }

    [Fact]
    public void Detect_Settings_OverrideDetectionPerStage()
    {
        using var repository = new TempRepository().Write("Cargo.toml", "[package]\n");

        var stages = VerificationDetector.Detect(repository.Root, new StageOverrides(Test: "cargo nextest run", Lint: ""));

        Assert.Equal(new StageCommand(VerificationStage.Test, "cargo nextest run", StageOrigin.Settings, "the repository's settings"), stages.Test);
        Assert.Equal(StageOrigin.Settings, stages.Lint.Origin);
        Assert.Null(stages.Lint.Command);
        Assert.Equal(new StageCommand(VerificationStage.Build, "cargo build --all-targets", StageOrigin.Detected, "Cargo.toml"), stages.Build);
        Assert.Equal(StageOrigin.None, stages.Pre.Origin);
        Assert.Contains(stages.Candidates, c => c is { Stage: VerificationStage.Test, Command: "cargo test" });
    }

    [Fact]
    public void Detect_AgentsMdSections_ComeFirstAndAreSortedByHeadingAndWords()
    {
        using var repository = new TempRepository()
            .Write("package.json", """{"scripts":{"test":"jest","lint":"eslint ."}}""")
            .Write("AGENTS.md", """
                # Project

                Some prose mentioning `npm test` outside any relevant section.

                ## Setup
                Run `npm ci --prefer-offline` first.

                ## Build and test
                ```bash
                $ npm run compile   # builds everything
                npm run test:unit
                ```

                ## Linting
                ```
                npm run lint:strict
                ```

                ## Architecture
                ```bash
                npm run build-docs
                ```
                """);

        var stages = VerificationDetector.Detect(repository.Root, null);

        Assert.Equal("npm ci --prefer-offline", stages.Pre.Command);
        Assert.Equal("npm run compile", stages.Build.Command);
        Assert.Equal("npm run test:unit", stages.Test.Command);
        Assert.Equal("npm run lint:strict", stages.Lint.Command);
        Assert.Equal("AGENTS.md section \"Build and test\"", stages.Test.Reason);
        Assert.Equal("AGENTS.md section \"Linting\"", stages.Lint.Reason);
    }

    [Fact]
    public void Detect_EmptyFolder_DetectsNothing()
    {
        using var repository = new TempRepository();

        var stages = VerificationDetector.Detect(repository.Root, null);

        Assert.All(stages.All, s => Assert.Equal(StageOrigin.None, s.Origin));
        Assert.Empty(stages.Candidates);
    }
}
