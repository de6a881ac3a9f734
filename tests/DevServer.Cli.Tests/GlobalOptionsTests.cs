using DevServer.Cli.Commands;
using DevServer.Cli.Tests.Infrastructure;

namespace DevServer.Cli.Tests;

public sealed class GlobalOptionsTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("devserver-cli-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void ResolveConnection_Options_WinOverVariablesAndFiles()
    {
        WriteTokenFile("from-file");

        var settings = Resolve(
            ["queue", "--server", "http://10.0.0.1:9000", "--token", "from-option", "--data", _data],
            new() { ["DEVSERVER_URL"] = "http://10.0.0.2:9000", ["DEVSERVER_TOKEN"] = "from-variable" });

        Assert.Equal(new Uri("http://10.0.0.1:9000"), settings.Server);
        Assert.Equal("from-option", settings.Token);
        Assert.Equal("--token", settings.TokenOrigin);
    }

    [Fact]
    public void ResolveConnection_Variables_WinOverFileAndDefault()
    {
        WriteTokenFile("from-file");

        var settings = Resolve(["queue", "--data", _data], new() { ["DEVSERVER_URL"] = "https://devserver.example:443", ["DEVSERVER_TOKEN"] = " from-variable\n" });

        Assert.Equal(new Uri("https://devserver.example:443"), settings.Server);
        Assert.Equal("from-variable", settings.Token);
        Assert.Equal("$DEVSERVER_TOKEN", settings.TokenOrigin);
    }

    [Fact]
    public void ResolveConnection_NothingGiven_UsesDefaultServerAndTheDataDirectoryTokenFile()
    {
        WriteTokenFile("from-file\n");

        var settings = Resolve(["queue", "--data", _data], []);

        Assert.Equal(new Uri("http://127.0.0.1:5180"), settings.Server);
        Assert.Equal("from-file", settings.Token);
        Assert.Equal(Path.Combine(_data, "admin.token"), settings.TokenOrigin);
    }

    [Fact]
    public void ResolveConnection_NoTokenAnywhere_ReportsWhereItLooked()
    {
        var settings = Resolve(["queue", "--data", _data], []);

        Assert.Null(settings.Token);
        Assert.Equal(Path.Combine(_data, "admin.token"), settings.TokenOrigin);
    }

    [Theory]
    [InlineData("https://github.com/example/calc.git")]
    [InlineData("git@github.com:example/calc.git")]
    [InlineData("file:///srv/git/calc.git")]
    [InlineData("/srv/git/calc")]
    public void Location_UrlOrAbsolutePath_PassesUnchanged(string location)
    {
        Assert.Equal(location, RepositoryCommands.Location(location));
    }

    [Fact]
    public void Location_RelativePath_BecomesAbsolute()
    {
        Assert.Equal(Path.GetFullPath("calc"), RepositoryCommands.Location("calc"));
    }

    private static Connection.ConnectionSettings Resolve(string[] args, Dictionary<string, string> environment)
    {
        var app = new CliApp(new CliHost { Out = TextWriter.Null, Error = TextWriter.Null, OpenStandardOutput = () => Stream.Null, TimeProvider = UtcClock.Instance });
        var parse = app.Root.Parse(args);
        Assert.Empty(parse.Errors);
        return app.Globals.ResolveConnection(parse, name => environment.GetValueOrDefault(name));
    }

    private void WriteTokenFile(string token) => File.WriteAllText(Path.Combine(_data, "admin.token"), token);
}
