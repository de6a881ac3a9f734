using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Mesh;
using DevServer.Vendors.Gemini;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddAgentCliWorker<GeminiCli, GeminiOptions>(GeminiCli.Vendor, GeminiOptions.Section);

return WorkerStartup.Run(builder, "DevServer gemini sidecar");
