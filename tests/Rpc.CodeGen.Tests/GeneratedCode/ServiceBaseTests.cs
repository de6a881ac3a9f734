using Grpc.Testing;
using Rpc.CodeGen.Tests.Infrastructure;

namespace Rpc.CodeGen.Tests.GeneratedCode;

public sealed class ServiceBaseTests
{
    public static TheoryData<string> AllRpcs => new(TestService.Descriptor.Methods.Select(m => m.Name));

    [Theory]
    [MemberData(nameof(AllRpcs))]
    public async Task BaseMethod_NotOverridden_ThrowsUnimplemented(string rpc)
    {
        var binder = new RecordingServiceBinder<EmptyTestService>();
        TestService.BindService(binder);
        var context = new TestServerCallContext("/grpc.testing.TestService/" + rpc);
        var service = new EmptyTestService();
        var handler = binder[rpc].Handler;

        // Invoke through the bound handler, whatever its kind, with inert arguments.
        var arguments = handler.Method.GetParameters()
            .Select(p => p.ParameterType == typeof(EmptyTestService) ? service
                : p.ParameterType == typeof(ServerCallContext) ? context
                : p.ParameterType.IsGenericType ? null
                : Activator.CreateInstance(p.ParameterType))
            .ToArray();
        var exception = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            try
            {
                await (Task)handler.DynamicInvoke(arguments)!;
            }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        });

        Assert.Equal(StatusCode.Unimplemented, exception.StatusCode);
    }

    [Fact]
    public async Task BaseMethod_OverriddenInSubclass_RunsTheOverride()
    {
        var service = new TestServiceImplementation();

        var response = await service.UnaryCall(new SimpleRequest { ResponseSize = 1 }, new TestServerCallContext("/x/y"));

        Assert.Equal("unary:1", response.Username);
    }

    [Fact]
    public void ServiceBase_Type_IsAbstractAndNotSealed()
    {
        Assert.True(typeof(TestService.TestServiceBase).IsAbstract);
        Assert.False(typeof(TestService.TestServiceBase).IsSealed);
        Assert.All(
            typeof(TestService.TestServiceBase).GetMethods().Where(m => m.DeclaringType == typeof(TestService.TestServiceBase)),
            m => Assert.True(m.IsVirtual && !m.IsAbstract, m.Name));
    }
}
