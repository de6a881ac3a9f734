namespace Rpc;

/// <summary>
/// Receives the methods of a service. Generated code has a static <c>BindService&lt;TService&gt;(ServiceBinder&lt;TService&gt;)</c>
/// per service that calls one <c>Add…Method</c> per RPC with a static lambda; a server implements this class to
/// turn those into endpoints. No reflection runs per call.
/// </summary>
public abstract class ServiceBinder<TService>
    where TService : class
{
    public abstract void AddUnaryMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, UnaryServerMethod<TService, TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class;

    public abstract void AddServerStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, ServerStreamingServerMethod<TService, TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class;

    public abstract void AddClientStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, ClientStreamingServerMethod<TService, TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class;

    public abstract void AddDuplexStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TService, TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class;
}

/// <summary>
/// Marks a generated service base class with the static type and method that bind it, so a server can find
/// <c>BindService</c> from any implementation type. The bind type also exposes a static
/// <c>Descriptor</c> property (the protobuf <c>ServiceDescriptor</c>), used by reflection.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class BindServiceMethodAttribute(Type bindType, string bindMethodName) : Attribute
{
    public Type BindType { get; } = bindType;

    public string BindMethodName { get; } = bindMethodName;
}
