using System.Collections.Concurrent;
using Grpc.Testing;
using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;
using Rpc.Interceptors;

namespace Rpc.EndToEnd.Tests;

/// <summary>
/// A client that writes first on a streaming call the server ends before reading: an interceptor refuses it with
/// UNAUTHENTICATED, or ends a duplex call with OK at once. The response is trailers-only and Kestrel then resets the
/// request side with NO_ERROR. Whatever the write was doing when that arrived (waiting for the body stream, copying,
/// blocked on flow control), it and every later write and read must report how the server ended the call, promptly:
/// the error status, or for OK a write that throws <see cref="InvalidOperationException"/> and a read that ends.
/// Many calls at once on one connection make the timing vary; that is how the races showed up.
/// </summary>
public sealed class RefusedStreamTests
{
    private const int Calls = 200;
    private const int Concurrency = 8;
    private const int SmallWrite = 16;

    // Above Kestrel's initial stream window (768 KiB): the server never reads, so the write is still blocked on
    // flow control when the server's answer arrives.
    private const int WindowFillingWrite = 2 * 1024 * 1024;

    private static readonly Status Refused = new(StatusCode.Unauthenticated, "A valid bearer token is required.");
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    [Theory(Timeout = 120_000)]
    [InlineData(SmallWrite)]
    [InlineData(WindowFillingWrite)]
    public async Task DuplexWriteFirst_ServerRefusesBeforeReading_EveryStepReportsServerStatus(int writeSize)
    {
        await using var server = await TestServer.StartAsync(o => o.Interceptors.Add<BearerAuthInterceptor>("x"));
        using var channel = RpcChannel.ForAddress(server.Address);
        var client = new TestService.TestServiceClient(channel);

        var verdicts = await RunManyAsync(() => DuplexAsync(client, writeSize, RefusedStep));

        AssertAllOk(verdicts);
    }

    [Theory(Timeout = 120_000)]
    [InlineData(SmallWrite)]
    [InlineData(WindowFillingWrite)]
    public async Task ClientStreamingWriteFirst_ServerRefusesBeforeReading_EveryStepReportsServerStatus(int writeSize)
    {
        await using var server = await TestServer.StartAsync(o => o.Interceptors.Add<BearerAuthInterceptor>("x"));
        using var channel = RpcChannel.ForAddress(server.Address);
        var client = new TestService.TestServiceClient(channel);

        var verdicts = await RunManyAsync(() => ClientStreamingAsync(client, writeSize));

        AssertAllOk(verdicts);
    }

    [Theory(Timeout = 120_000)]
    [InlineData(SmallWrite)]
    [InlineData(WindowFillingWrite)]
    public async Task DuplexWriteFirst_ServerEndsOkBeforeReading_WritesSayCompleteAndReadEnds(int writeSize)
    {
        await using var server = await TestServer.StartAsync(o => o.Interceptors.Add(new EndDuplexAtOnceInterceptor()));
        using var channel = RpcChannel.ForAddress(server.Address);
        var client = new TestService.TestServiceClient(channel);

        var verdicts = await RunManyAsync(() => DuplexAsync(client, writeSize, CompletedStep));

        AssertAllOk(verdicts);
    }

    /// <summary>Write (may pass if it beat the server's answer), read, write again; each step must match <paramref name="step"/>.</summary>
    private static async Task<string> DuplexAsync(TestService.TestServiceClient client, int writeSize, StepCheck step)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = client.FullDuplexCall(cancellationToken: cancellationToken);
        var request = new StreamingOutputCallRequest { Payload = new Payload { Body = Messages.Body(writeSize) } };

        var first = await step("first write", () => call.RequestStream.WriteAsync(request, cancellationToken), mayPass: true);
        var read = await step("read", () => ReadToEndAsync(call.ResponseStream), mayPass: false);
        var second = await step("second write", () => call.RequestStream.WriteAsync(request, cancellationToken), mayPass: false);
        return Verdict(first, read, second);
    }

    private static async Task<string> ClientStreamingAsync(TestService.TestServiceClient client, int writeSize)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = client.StreamingInputCall(cancellationToken: cancellationToken);
        var request = new StreamingInputCallRequest { Payload = new Payload { Body = Messages.Body(writeSize) } };

        var first = await RefusedStep("first write", () => call.RequestStream.WriteAsync(request, cancellationToken), mayPass: true);
        var response = await RefusedStep("response", () => call.ResponseAsync, mayPass: false);
        var second = await RefusedStep("second write", () => call.RequestStream.WriteAsync(request, cancellationToken), mayPass: false);
        return Verdict(first, response, second);
    }

    /// <summary>A read step for a call the server ended with OK and no messages: it ends, which the step treats as its expected failure.</summary>
    private static async Task ReadToEndAsync(IAsyncStreamReader<StreamingOutputCallResponse> reader)
    {
        if (await reader.MoveNext(TestContext.Current.CancellationToken))
        {
            throw new InvalidDataException("The server sent a message.");
        }

        throw new EndOfStreamException();
    }

    private delegate Task<string> StepCheck(string name, Func<Task> step, bool mayPass);

    /// <summary>"ok" when the step passed (if it may) or failed with the refusal; otherwise what went wrong.</summary>
    private static Task<string> RefusedStep(string name, Func<Task> step, bool mayPass) =>
        RunStepAsync(name, step, mayPass, ex => ex is RpcException rpc && rpc.Status == Refused);

    /// <summary>"ok" when a write passed (if it may) or said the call is complete, and the read ended.</summary>
    private static Task<string> CompletedStep(string name, Func<Task> step, bool mayPass) =>
        RunStepAsync(name, step, mayPass, ex => ex is InvalidOperationException { Message: "Can't write the message because the call is complete." } or EndOfStreamException);

    private static async Task<string> RunStepAsync(string name, Func<Task> step, bool mayPass, Func<Exception, bool> expected)
    {
        try
        {
            await step().WaitAsync(StepTimeout, TestContext.Current.CancellationToken);
            return mayPass ? "ok" : $"{name}: no error";
        }
        catch (TimeoutException)
        {
            return $"{name}: hung";
        }
        catch (Exception ex) when (expected(ex))
        {
            return "ok";
        }
        catch (RpcException ex)
        {
            return $"{name}: {ex.StatusCode} ({ex.Status.Detail.ReplaceLineEndings(" ")})";
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return $"{name}: {ex.GetType().Name} ({ex.Message.ReplaceLineEndings(" ")})";
        }
    }

    private static string Verdict(params string[] steps) => steps.FirstOrDefault(s => s != "ok") ?? "ok";

    private static async Task<ConcurrentDictionary<string, int>> RunManyAsync(Func<Task<string>> call)
    {
        var verdicts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await Parallel.ForAsync(
            0,
            Calls,
            new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = TestContext.Current.CancellationToken },
            async (_, _) => verdicts.AddOrUpdate(await call(), 1, static (_, n) => n + 1));
        return verdicts;
    }

    /// <summary>Prints the tally (one line, "N × verdict; …") and fails unless every call was "ok".</summary>
    private static void AssertAllOk(ConcurrentDictionary<string, int> verdicts)
    {
        var summary = string.Join("; ", verdicts.OrderByDescending(v => v.Value).Select(v => $"{v.Value} × {v.Key}"));
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        Assert.True(verdicts.Keys.All(k => k == "ok"), summary);
    }

    /// <summary>Ends every duplex call with OK before the handler runs, without reading or writing.</summary>
    private sealed class EndDuplexAtOnceInterceptor : Interceptor
    {
        public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
            IAsyncStreamReader<TRequest> requestStream,
            IServerStreamWriter<TResponse> responseStream,
            ServerCallContext context,
            DuplexStreamingServerMethod<TRequest, TResponse> continuation) => Task.CompletedTask;
    }
}
