using DevServer.Vendors.Codex;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Mesh;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddAgentCliWorker<CodexCli, CodexOptions>(CodexCli.Vendor, CodexOptions.Section);

return WorkerStartup.Run(builder, "DevServer codex sidecar");
