using DevServer.Vendors.Codex;
using DevServer.Vendors.Core.Agents;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddAgentCliWorker<CodexCli, CodexOptions>(CodexCli.Vendor, CodexOptions.Section);

builder.Build().Run();
