using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Mesh;
using DevServer.Vendors.Script;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddMeshWorker<ScriptAgentHandler>(WorkerKind.Vendor, vendor: "script");
builder.AddScriptAgent();

return WorkerStartup.Run(builder, "DevServer script sidecar");
