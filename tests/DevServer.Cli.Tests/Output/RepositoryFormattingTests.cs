using DevServer.Cli.Output;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Work.V1;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Cli.Tests.Output;

public sealed class RepositoryFormattingTests
{
    [Fact]
    public void Show_DetectedCommands_ListedUnderTheConfiguredOnes()
    {
        var repository = Repository();
        repository.DetectedCommands.Add(new DetectedCommand
        {
            Stage = StageKind.Build, Command = "dotnet build App.sln", DetectedFrom = "App.sln", TaskId = 12, DetectedAt = Samples.At(30),
        });
        repository.DetectedCommands.Add(new DetectedCommand
        {
            Stage = StageKind.Test, Command = "npm test", DetectedFrom = "package.json script \"test\"", TaskId = 14, DetectedAt = Samples.At(90),
        });

        var lines = RepositoryFormatting.Show(repository, TimeZoneInfo.Utc).Split('\n');

        var lint = Array.IndexOf(lines, "  lint          ruff check .");
        Assert.True(lint > 0, string.Join('\n', lines));
        Assert.Equal(
            [
                "  detection     empty stages are detected from the checkout",
                "  detected      build: dotnet build App.sln (App.sln, task 12, 2026-11-21 10:15:30)",
                "  detected      test: npm test (package.json script \"test\", task 14, 2026-11-21 10:16:30)",
                "  stage timeout 10m",
            ],
            lines[(lint + 1)..(lint + 5)]);
    }

    [Fact]
    public void Show_NothingDetected_NoDetectedLines()
    {
        var text = RepositoryFormatting.Show(Repository(), TimeZoneInfo.Utc);

        Assert.DoesNotContain("\n  detected      ", text, StringComparison.Ordinal);
    }

    private static Repository Repository() => new()
    {
        Id = 3,
        Name = "demo-calc",
        Location = "/srv/git/demo-calc.git",
        DefaultBranch = "main",
        Commands = new VerificationCommands { Lint = "ruff check ." },
        DetectCommands = true,
        StageTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)),
        MaxAttempts = 2,
        AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(60)),
        CreatedAt = Samples.At(0),
        UpdatedAt = Samples.At(0),
    };
}
