using DevServer.Delivery.Forges;

namespace DevServer.Delivery.Tests.Forges;

public sealed class ForgeLocationTests
{
    [Theory]
    [InlineData("https://github.com/acme/app.git", null, ForgeKind.GitHub, "https://api.github.com/", "acme", "app")]
    [InlineData("git@github.com:acme/app.git", null, ForgeKind.GitHub, "https://api.github.com/", "acme", "app")]
    [InlineData("https://ghe.corp.example/team/svc", ForgeKind.GitHub, ForgeKind.GitHub, "https://ghe.corp.example/api/v3", "team", "svc")]
    [InlineData("https://gitea.example.com/acme/app.git", null, ForgeKind.Gitea, "https://gitea.example.com/", "acme", "app")]
    [InlineData("http://127.0.0.1:3000/git/acme/app.git", null, ForgeKind.Gitea, "http://127.0.0.1:3000/git", "acme", "app")]
    [InlineData("ssh://git@codeberg.org:2222/acme/app.git", null, ForgeKind.Gitea, "https://codeberg.org/", "acme", "app")]
    public void FromCloneUrl_KnownShapes_KindApiAndRepository(string url, ForgeKind? kind, ForgeKind expectedKind, string baseUrl, string owner, string name)
    {
        var location = ForgeLocation.FromCloneUrl(url, kind);

        Assert.NotNull(location);
        Assert.Equal((expectedKind, new Uri(baseUrl), new ForgeRepository(owner, name)), (location.Kind, location.BaseUrl, location.Repository));
    }

    [Theory]
    [InlineData("/home/me/projects/app")]
    [InlineData("file:///srv/git/app.git")]
    [InlineData("https://gitea.example.com/app.git")]
    public void FromCloneUrl_NoForgeRepository_Null(string url) => Assert.Null(ForgeLocation.FromCloneUrl(url));

    [Fact]
    public void CreateClient_Kind_MatchingClient()
    {
        using var http = new HttpClient();

        Assert.IsType<GitHubForge>(ForgeLocation.FromCloneUrl("https://github.com/a/b")!.CreateClient(http, "t"));
        Assert.IsType<GiteaForge>(ForgeLocation.FromCloneUrl("https://gitea.example.com/a/b")!.CreateClient(http, "t"));
    }
}
