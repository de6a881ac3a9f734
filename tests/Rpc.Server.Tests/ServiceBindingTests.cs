using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class ServiceBindingTests
{
    [Fact(Timeout = 30_000)]
    public async Task ServiceNotInContainer_ActivatedPerCallAndDisposed()
    {
        await using var host = await RpcTestHost.StartAsync();

        var first = await RawCalls.CallAsync(host.Http2, "/test.Tester/Info", Frames.Text(string.Empty));
        var second = await RawCalls.CallAsync(host.Http2, "/test.Tester/Info", Frames.Text(string.Empty));

        Assert.NotEqual(Instance(first), Instance(second));
        Assert.Equal(2, host.Probe.Activations);
        Assert.Equal(2, host.Probe.Disposals);
    }

    [Fact(Timeout = 30_000)]
    public async Task ServiceInContainerAsScoped_ResolvedPerCallAndDisposedByScope()
    {
        await using var host = await RpcTestHost.StartAsync(configureBuilder: b => b.Services.AddScoped<TesterService>());

        await RawCalls.CallAsync(host.Http2, "/test.Tester/Info", Frames.Text(string.Empty));
        await RawCalls.CallAsync(host.Http2, "/test.Tester/Info", Frames.Text(string.Empty));

        Assert.Equal(2, host.Probe.Activations);
        Assert.Equal(2, host.Probe.Disposals);
    }

    [Fact(Timeout = 30_000)]
    public async Task ServiceInContainerAsSingleton_SameInstanceEveryCall()
    {
        await using var host = await RpcTestHost.StartAsync(configureBuilder: b => b.Services.AddSingleton<TesterService>());

        var first = await RawCalls.CallAsync(host.Http2, "/test.Tester/Info", Frames.Text(string.Empty));
        var second = await RawCalls.CallAsync(host.Http2, "/test.Tester/Info", Frames.Text(string.Empty));

        Assert.Equal(Instance(first), Instance(second));
        Assert.Equal(0, host.Probe.Disposals);
    }

    [Fact(Timeout = 30_000)]
    public async Task Catalog_MappedServices_ListedWithMethodsAndDescriptor()
    {
        await using var host = await RpcTestHost.StartAsync();
        var catalog = host.Services.GetRequiredService<RpcServiceCatalog>();

        Assert.Equal([Tester.ServiceName, Plain.ServiceName], catalog.Services.Select(s => s.Name));
        var tester = catalog.FindService(Tester.ServiceName)!;
        Assert.Equal(typeof(TesterService), tester.ImplementationType);
        Assert.Null(tester.Descriptor);
        Assert.Contains(tester.Methods, m => m.Name == "Chat" && m.Type == MethodType.DuplexStreaming);
        var plain = catalog.FindService(Plain.ServiceName)!;
        Assert.Equal("test.Plain", plain.Descriptor!.FullName);
        Assert.Equal("Echo", Assert.Single(plain.Methods).Name);
        Assert.Null(catalog.FindService("test.Missing"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Endpoints_CarryMethodMetadata()
    {
        await using var host = await RpcTestHost.StartAsync();
        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints;

        var echo = endpoints.Single(e => e.Metadata.GetMetadata<RpcMethodMetadata>()?.Method.FullName == "/test.Tester/Echo");

        Assert.Equal(typeof(TesterService), echo.Metadata.GetMetadata<RpcMethodMetadata>()!.ServiceType);
    }

    [Fact]
    public void MapRpcService_TypeWithoutBindAttribute_Throws()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.Services.AddRpc();
        using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapRpcService<NotAService>());

        Assert.Contains("BindServiceMethodAttribute", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapRpcService_WithoutAddRpc_ThrowsHelpfully()
    {
        using var app = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapRpcService<TesterService>());

        Assert.Contains("AddRpc", error.Message, StringComparison.Ordinal);
    }

    private static string Instance(RawResponse response) =>
        response.Texts.Single().Split(';').Single(p => p.StartsWith("instance=", StringComparison.Ordinal));

    private sealed class NotAService;
}
