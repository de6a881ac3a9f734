// Load benchmark of the rpc/ runtime against @grpc/grpc-js and against a bare Kestrel HTTP/2 endpoint (the ceiling).
// Usage: dotnet run -c Release --project tests/Benchmarks/DevServer.Benchmarks -- [--seconds=10] [--warmup=5]
//          [--concurrency=64] [--payload=100] [--stream-messages=1000] [--rounds=1] [--only=ours,grpcjs,raw,raw-protobuf]
//          [--modes=unary,streaming] [--node=node] [--node-peers=<tests/Interop/node>]
// Prints Markdown tables on stdout (progress on stderr); exits 1 if any call failed, 2 on bad flags. With
// --serve=ours|raw|raw-protobuf --port=N it is instead one of the servers under test (the benchmark starts them that way). With
// --in-process=read-path it measures the client's read path in one process instead (InProcess/ReadPathBenchmark.cs).
// docs/benchmarks.md has the design, the figures and how to read them.
using DevServer.Benchmarks;
using DevServer.Benchmarks.InProcess;
using DevServer.Benchmarks.Serving;

if (BenchFlags.Parse(args, out var error) is not { } flags)
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

return flags switch
{
    { Serve: { } role } => await BenchServer.RunAsync(role, flags, interrupted.Token),
    { InProcessReadPath: true } => await ReadPathBenchmark.RunAsync(flags, interrupted.Token),
    _ => await BenchmarkRun.RunAsync(flags, interrupted.Token),
};
