using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Rpc.Interceptors;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class InterceptorTests
{
    private static Task<RpcTestHost> StartAsync() => RpcTestHost.StartAsync(
        o =>
        {
            o.Interceptors.Add<OuterInterceptor>();
            o.Interceptors.Add(new InnerInterceptor());
            o.Interceptors.Add<ActivatedInterceptor>("third");
        },
        configureBuilder: b => b.Services.AddScoped<OuterInterceptor>());

    [Theory(Timeout = 30_000)]
    [InlineData("/test.Tester/Echo", "unary")]
    [InlineData("/test.Tester/Count", "server-streaming")]
    [InlineData("/test.Tester/Concat", "client-streaming")]
    [InlineData("/test.Tester/Chat", "duplex")]
    public async Task Interceptors_EveryCallKind_RunInRegistrationOrderAroundHandler(string path, string kind)
    {
        await using var host = await StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, path, Frames.Text("1"));

        Assert.Equal(0, response.GrpcStatus);
        var events = host.Probe.Events.Where(e => !e.StartsWith("handler:", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [$"outer>{kind}", $"inner>{kind}", $"third>{kind}", $"third<{kind}", $"inner<{kind}", $"outer<{kind}"],
            events);
    }

    [Fact(Timeout = 30_000)]
    public async Task Interceptor_ThrowsRpcException_StatusSentAndHandlerSkipped()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.Interceptors.Add(new DenyingInterceptor()));

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("x"));

        Assert.Equal(16, response.GrpcStatus);
        Assert.DoesNotContain("handler:Echo", host.Probe.Events);
    }

    [Fact(Timeout = 30_000)]
    public async Task Interceptor_SeesMetadataAndCanReplaceResponse()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.Interceptors.Add(new DenyingInterceptor()));

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("x"), configure: r =>
            r.Headers.Add("authorization", "Bearer ok"));

        Assert.Equal(["x (checked)"], response.Texts);
    }

    /// <summary>Records around every call kind under a name; resolved per call from DI or activated.</summary>
    public abstract class RecordingInterceptor(string name) : Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            var probe = Probe(context);
            probe.Record($"{name}>unary");
            var response = await continuation(request, context);
            probe.Record($"{name}<unary");
            return response;
        }

        public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        {
            var probe = Probe(context);
            probe.Record($"{name}>server-streaming");
            await continuation(request, responseStream, context);
            probe.Record($"{name}<server-streaming");
        }

        public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
        {
            var probe = Probe(context);
            probe.Record($"{name}>client-streaming");
            var response = await continuation(requestStream, context);
            probe.Record($"{name}<client-streaming");
            return response;
        }

        public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        {
            var probe = Probe(context);
            probe.Record($"{name}>duplex");
            await continuation(requestStream, responseStream, context);
            probe.Record($"{name}<duplex");
        }

        private static CallProbe Probe(ServerCallContext context) =>
            context.GetHttpContext().RequestServices.GetRequiredService<CallProbe>();
    }

    public sealed class OuterInterceptor() : RecordingInterceptor("outer");

    public sealed class InnerInterceptor() : RecordingInterceptor("inner");

    public sealed class ActivatedInterceptor(string name) : RecordingInterceptor(name);

    /// <summary>Rejects calls without an authorization header; decorates the unary response otherwise.</summary>
    public sealed class DenyingInterceptor : Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            if (context.RequestHeaders.GetValue("authorization") is null)
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, "who are you"));
            }

            var response = await continuation(request, context);
            return response is StringValue text ? (TResponse)(object)new StringValue { Value = text.Value + " (checked)" } : response;
        }
    }
}
