using DevServer.Cli.Local;
using DevServer.Cli.Tests.Infrastructure;

namespace DevServer.Cli.Tests.Local;

public sealed class ProgramLookupTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("devserver-lookup-").FullName;

    public ProgramLookupTests()
    {
        CliFolder = Path.Combine(_root, "artifacts", "bin", "DevServer.Cli", "debug");
        Directory.CreateDirectory(CliFolder);
    }

    private string CliFolder { get; }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Find_NowhereToBeFound_ListsEveryPlaceItLookedAndTheVariable()
    {
        var lookup = new ProgramLookup(_ => null, CliFolder);

        var error = Assert.Throws<CliException>(() => lookup.Find(ProgramLookup.Orchestrator));

        var bin = Path.Combine(_root, "artifacts", "bin");
        Assert.Equal(ExitCodes.Failure, error.ExitCode);
        Assert.Equal(
            "cannot find DevServer.Orchestrator: build it (dotnet build DevServer.sln) or set $DEVSERVER_ORCHESTRATOR to its .dll or executable. Looked at: " +
            $"{bin}/DevServer.Orchestrator/debug/DevServer.Orchestrator.dll, {bin}/DevServer.Orchestrator/release/DevServer.Orchestrator.dll, " +
            $"{CliFolder}/DevServer.Orchestrator.dll",
            error.Message);
    }

    [Fact]
    public void Find_SiblingBuildOfAnotherConfiguration_FindsIt()
    {
        var verifier = CreateFile("artifacts", "bin", "DevServer.Verifier", "release", "DevServer.Verifier.dll");

        var found = new ProgramLookup(_ => null, CliFolder).Find(ProgramLookup.Verifier);

        Assert.Equal(verifier, found.Path);
        Assert.True(found.IsAssembly);
    }

    [Fact]
    public void Find_BothConfigurations_PrefersTheCliOwn()
    {
        CreateFile("artifacts", "bin", "DevServer.Vendors.Script", "release", "DevServer.Vendors.Script.dll");
        var debug = CreateFile("artifacts", "bin", "DevServer.Vendors.Script", "debug", "DevServer.Vendors.Script.dll");

        var found = new ProgramLookup(_ => null, CliFolder + "/").Find(ProgramLookup.ScriptSidecar);

        Assert.Equal(debug, found.Path);
    }

    [Fact]
    public void Find_VariableNamesAnExecutable_UsesIt()
    {
        CreateFile("artifacts", "bin", "DevServer.Orchestrator", "debug", "DevServer.Orchestrator.dll");
        var executable = CreateFile("opt", "orchestrator");

        var found = new ProgramLookup(name => name == "DEVSERVER_ORCHESTRATOR" ? executable : null, CliFolder).Find(ProgramLookup.Orchestrator);

        Assert.Equal(executable, found.Path);
        Assert.False(found.IsAssembly);
    }

    [Fact]
    public void Find_VariableNamesNothing_SaysSo()
    {
        var missing = Path.Combine(_root, "nothing.dll");

        var error = Assert.Throws<CliException>(() => new ProgramLookup(_ => missing, CliFolder).Find(ProgramLookup.Verifier));

        Assert.Equal($"$DEVSERVER_VERIFIER is {missing}, but there is no file at {missing}.", error.Message);
    }

    [Fact]
    public async Task Up_ProgramsMissing_ExitsWithTheLookupErrorBeforeStartingAnything()
    {
        var data = Path.Combine(_root, "data");

        var result = await TestCli.RunAsync(["up", "--data", data, "--script", "true"], baseDirectory: CliFolder);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.StartsWith("devserver: cannot find DevServer.Orchestrator: ", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(data, "logs")));
    }

    private string CreateFile(params string[] parts)
    {
        var path = Path.Combine([_root, .. parts]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }
}
