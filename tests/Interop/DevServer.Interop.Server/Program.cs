// The standard gRPC interop server on the rpc/ runtime.
// Usage: dotnet DevServer.Interop.Server.dll --port=N [--web_port=M] [--max_seconds=600]
// Serves grpc.testing.TestService over h2c on N and over gRPC-Web (binary and text, HTTP/1.1) on M, plus health
// and server reflection; port 0 picks a free port. Prints "listening on <port> web <web_port>" on stdout once both
// endpoints accept calls.
using DevServer.Interop.Server;
using Rpc.Health;
using Rpc.Reflection;
using Rpc.Server;

if (ServerFlags.Parse(args, out var error) is not { } flags)
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.AddStandardErrorConsole();
var endpoints = builder.WebHost.ListenForInterop(flags);
builder.Services.AddRpc(options => options.EnableDetailedErrors = true);
builder.Services.AddRpcHealthChecks();
builder.Services.AddRpcReflection();

var app = builder.Build();
app.UseRequestFrameObservation();
// UnimplementedService is deliberately not mapped: calls to it must end UNIMPLEMENTED (unimplemented_service).
app.MapRpcService<InteropTestService>().EnableGrpcWeb();
app.MapRpcHealthService().EnableGrpcWeb();
app.MapRpcReflectionService();
app.MarkServing(Grpc.Testing.TestService.Descriptor);

await app.StartAsync();
Console.WriteLine(endpoints.ReadyLine);
await app.RunUntilShutdownAsync(flags.MaxRunTime);
return 0;
