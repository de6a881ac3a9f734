namespace DevServer.Failures.Tests;

/// <summary>Every recorded example classifies as the class it was recorded for, and every class has one where it wins.</summary>
public sealed class ExampleTests
{
    public static TheoryData<string> ExampleFiles() => [.. Examples.Files];

    public static TheoryData<string> ClassKeys() => [.. FailureClassifier.Classes.Select(c => c.Key)];

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Classify_RecordedExample_YieldsItsClass(string file)
    {
        var result = FailureClassifier.Classify(Examples.Read(file));

        Assert.Equal(Examples.KeyOf(file), result.Key);
    }

    [Theory]
    [MemberData(nameof(ClassKeys))]
    public void Catalogue_EveryClass_HasAnExampleOnWhichItWins(string key)
    {
        var file = key + ".txt";
        Assert.True(File.Exists(Path.Combine(Examples.Directory, file)), $"No example {file} for class {key}: record one in Examples/record.sh.");

        var result = FailureClassifier.Classify(Examples.Read(file));

        Assert.Equal(key, result.Key);
        Assert.Equal(FailureClassifier.Find(key)!.Severity, result.Severity);
        Assert.NotEmpty(result.Evidence);
        Assert.NotEmpty(result.Hint);
    }

    [Fact]
    public void Examples_EveryFile_NamesAClassInTheCatalogueOrNone()
    {
        var keys = FailureClassifier.Classes.Select(c => c.Key).Append(FailureClassification.NoneKey).ToHashSet(StringComparer.Ordinal);

        var unknown = Examples.Files.Where(file => !keys.Contains(Examples.KeyOf(file))).ToArray();

        Assert.Empty(unknown);
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Classify_RecordedExample_EvidenceIsAFewTrimmedLinesOfTheOutput(string file)
    {
        var output = Examples.Read(file);

        var result = FailureClassifier.Classify(output);

        Assert.InRange(result.Evidence.Count, result.IsFailure ? 1 : 0, FailureClassifier.MaxEvidenceLines);
        foreach (var line in result.Evidence)
        {
            Assert.Equal(line.Trim(), line);
            Assert.InRange(line.Length, 1, FailureClassifier.MaxEvidenceLength + 2);
            Assert.Contains(line.Trim('…'), output, StringComparison.Ordinal);
        }
    }
}
