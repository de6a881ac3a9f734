using DevServer.Vendors.ClaudeCode;
using DevServer.Vendors.Core.Mesh;
using DevServer.Vendors.Glm;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddClaudeCodeWorker<GlmOptions>(GlmOptions.Vendor, GlmOptions.Section);

return WorkerStartup.Run(builder, "DevServer glm sidecar");
