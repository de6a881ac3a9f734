using DevServer.Orchestrator.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>Where the orchestrator looks for the dashboard's build.</summary>
public sealed class WebAppOptionsTests
{
    [Fact]
    public void ResolveDistFolder_ConfiguredFolderWithIndex_IsUsed()
    {
        using var root = new TestDirectory();
        var dist = Build(Path.Combine(root.Path, "elsewhere"));
        Build(Path.Combine(root.Path, "bin", "wwwroot"));

        var found = new WebAppOptions { DistPath = dist }.ResolveDistFolder(Path.Combine(root.Path, "bin"));

        Assert.Equal(dist, found);
    }

    [Fact]
    public void ResolveDistFolder_ConfiguredFolderWithoutIndex_StopsTheStartNamingTheSetting()
    {
        using var root = new TestDirectory();

        var error = Assert.Throws<OptionsValidationException>(() => new WebAppOptions { DistPath = root.Path }.ResolveDistFolder(root.Path));

        Assert.Contains("Orchestrator:Web:DistPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("npm run build", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveDistFolder_WwwrootBesideTheProgram_WinsOverACheckout()
    {
        using var root = new TestDirectory();
        var program = Path.Combine(root.Path, "artifacts", "bin", "DevServer.Orchestrator", "release");
        var wwwroot = Build(Path.Combine(program, "wwwroot"));
        Build(Path.Combine(root.Path, "web", "dist"));

        Assert.Equal(wwwroot, new WebAppOptions().ResolveDistFolder(program));
    }

    [Fact]
    public void ResolveDistFolder_DevelopmentCheckout_FindsWebDistAboveTheProgram()
    {
        using var root = new TestDirectory();
        var program = Path.Combine(root.Path, "artifacts", "bin", "DevServer.Orchestrator", "release");
        Directory.CreateDirectory(program);
        Directory.CreateDirectory(Path.Combine(root.Path, "artifacts", "web", "dist"));   // no index.html: not a build
        var dist = Build(Path.Combine(root.Path, "web", "dist"));

        Assert.Equal(dist, new WebAppOptions().ResolveDistFolder(program + "/"));
    }

    [Fact]
    public void ResolveDistFolder_NothingBuilt_IsNull()
    {
        using var root = new TestDirectory();

        Assert.Null(new WebAppOptions().ResolveDistFolder(root.Path));
    }

    private static string Build(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "index.html"), "<!doctype html>");
        return folder;
    }
}
