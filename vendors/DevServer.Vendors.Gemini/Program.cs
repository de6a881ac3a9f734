using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Gemini;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddAgentCliWorker<GeminiCli, GeminiOptions>(GeminiCli.Vendor, GeminiOptions.Section);

builder.Build().Run();
