using DevServer.Vendors.Claude;
using DevServer.Vendors.ClaudeCode;
using DevServer.Vendors.Core.Mesh;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddClaudeCodeWorker<ClaudeOptions>(ClaudeOptions.Vendor, ClaudeOptions.Section);

return WorkerStartup.Run(builder, "DevServer claude sidecar");
