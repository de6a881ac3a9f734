namespace Rpc.CodeGen.Tests.Infrastructure;

/// <summary>One method a generated <c>BindService</c> handed to the binder.</summary>
internal sealed record BoundMethod(IMethod Method, Delegate Handler);

/// <summary>A binder that only records what generated code binds, in order.</summary>
internal sealed class RecordingServiceBinder<TService> : ServiceBinder<TService>
    where TService : class
{
    public List<BoundMethod> Methods { get; } = [];

    public BoundMethod this[string name] => Methods.Single(m => m.Method.Name == name);

    public override void AddUnaryMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, UnaryServerMethod<TService, TRequest, TResponse> handler) =>
        Methods.Add(new BoundMethod(method, handler));

    public override void AddServerStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, ServerStreamingServerMethod<TService, TRequest, TResponse> handler) =>
        Methods.Add(new BoundMethod(method, handler));

    public override void AddClientStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, ClientStreamingServerMethod<TService, TRequest, TResponse> handler) =>
        Methods.Add(new BoundMethod(method, handler));

    public override void AddDuplexStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TService, TRequest, TResponse> handler) =>
        Methods.Add(new BoundMethod(method, handler));
}
