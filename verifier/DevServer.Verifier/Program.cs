using DevServer.Verifier;
using DevServer.Vendors.Core.Mesh;
using Microsoft.Extensions.Hosting;

// The verifier: connects to the orchestrator as a mesh worker of kind verifier (settings in section Worker) and
// runs each VerifyWork it is given: checkout at the base commit, git am of the patch series, the stages in order.
var builder = Host.CreateApplicationBuilder(args);
builder.AddVerifier();
return WorkerStartup.Run(builder, "DevServer verifier");
