using DevServer.Processes;

// Usage: <ledger folder> <program> [arguments…]. Prints "started <pid>" once the child runs, then the child's output
// lines; ends when stdin closes (the child is then stopped, as a worker's normal shutdown would).
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: <ledger folder> <program> [arguments...]");
    return 2;
}

ProcessGroupLedger.OpenForThisProcess(args[0]);
await using (var child = ProcessRunner.Start(new ProcessSpec(args[1], args[2..]), line => Console.WriteLine(line.Text)))
{
    Console.WriteLine($"started {child.Id}");
    await Console.In.ReadToEndAsync();
}

return 0;
