// The standard gRPC interop client on the rpc/ runtime.
// Usage: dotnet DevServer.Interop.Client.dll --server_host=H --server_port=P --test_case=NAME|all
//          [--transport=h2|web|web_text] [--max_seconds=120]
// Exit code: 0 when every selected case passed, 1 when one failed, 2 for bad flags, 3 when --max_seconds ran out.
using DevServer.Interop.Client;

if (ClientFlags.Parse(args, out var error) is not { } flags)
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

var time = TimeProvider.System;
using var giveUp = new CancellationTokenSource(flags.MaxRunTime, time);
using var channel = InteropChannel.Create(flags);
var cases = new InteropCases(channel, flags.Transport, time, giveUp.Token);
if (cases.Select(flags.TestCase, out error) is not { } selected)
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

var failures = await CaseRunner.RunAsync(selected, time, giveUp.Token);
if (giveUp.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync($"interop-client: gave up after {flags.MaxRunTime.TotalSeconds} s (--max_seconds)");
    return 3;
}

return failures == 0 ? 0 : 1;
