using DevServer.Orchestrator.Hosting;
using Rpc.Health;
using Rpc.Reflection;
using Rpc.Server;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddOrchestratorEndpoints();
builder.Services.AddRpc();
builder.Services.AddRpcHealthChecks();
builder.Services.AddRpcReflection();

var app = builder.Build();
app.MapRpcHealthService().EnableGrpcWeb();
app.MapRpcReflectionService();
app.LogEndpointsOnStart();

app.Run();
