using Google.Protobuf.WellKnownTypes;
using Rpc.Reflection.Tests.Greeter.V1;

namespace Rpc.Reflection.Tests.Infrastructure;

/// <summary>The generated Greeter service, implemented just enough for buf curl to call it.</summary>
internal sealed class GreeterService : Greeter.V1.Greeter.GreeterBase
{
    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) =>
        Task.FromResult(new HelloReply { Message = "Hello, " + request.Name });
}

/// <summary>
/// A hand-written binding (no generated code, so no protobuf descriptor): callable, but reflection cannot
/// describe it and so must not list it.
/// </summary>
public static class Undescribed
{
    public const string ServiceName = "rpctest.Undescribed";

    private static readonly Marshaller<StringValue> Text = Marshallers.ForProtobuf(StringValue.Parser);
    private static readonly Method<StringValue, StringValue> Echo = new(MethodType.Unary, ServiceName, "Echo", Text, Text);

    [BindServiceMethod(typeof(Undescribed), nameof(BindService))]
    public abstract class UndescribedBase
    {
        public virtual Task<StringValue> Echo(StringValue request, ServerCallContext context) => Task.FromResult(request);
    }

    public static void BindService<TService>(ServiceBinder<TService> binder)
        where TService : UndescribedBase
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddUnaryMethod(Echo, static (service, request, context) => service.Echo(request, context));
    }
}

internal sealed class UndescribedService : Undescribed.UndescribedBase;
