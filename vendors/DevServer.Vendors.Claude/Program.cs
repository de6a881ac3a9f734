using DevServer.Vendors.Claude;
using DevServer.Vendors.ClaudeCode;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddClaudeCodeWorker<ClaudeOptions>(ClaudeOptions.Vendor, ClaudeOptions.Section);

builder.Build().Run();
