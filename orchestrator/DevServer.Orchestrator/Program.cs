using DevServer.Orchestrator.Auth;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Hosting;
using DevServer.Orchestrator.Logs;
using DevServer.Orchestrator.Secrets;
using DevServer.ServiceHosting;
using Rpc.Health;
using Rpc.Reflection;
using Rpc.Server;

try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddOrchestratorEndpoints();
    builder.AddDatabase();
    builder.AddApiAuthentication();
    builder.AddSecrets();
    builder.AddEvents();
    builder.AddTasks();
    builder.AddMesh();
    builder.AddScheduling();
    builder.AddQueue();
    builder.AddDelivery();
    builder.AddLogs();
    builder.Services.AddRpc();
    builder.Services.AddRpcHealthChecks();
    builder.Services.AddRpcReflection();

    var app = builder.Build();
    app.MapRpcHealthService().EnableGrpcWeb();
    app.MapRpcReflectionService();
    app.MapPipelineServices();
    app.MapDashboard();
    app.LogEndpointsOnStart();

    return await ServiceFailureExit.RunAsync(app, CancellationToken.None);
}
catch (Exception exception) when (StartupFailure.IsExplained(exception))
{
    return StartupFailure.Report(exception);
}
