using System.Diagnostics;
using Rpc.Wire;
using static Rpc.Client.Tests.ServerWire;

namespace Rpc.Client.Tests;

public sealed class DeadlineAndCancellationTests(GrpcTestServer server) : ClientTestBase(server)
{
    [Fact(Timeout = 10_000)]
    public async Task Deadline_ServerNeverAnswers_FailsDeadlineExceededOnTimeAndResetsStream()
    {
        var timeoutHeader = new TaskCompletionSource<string>();
        var aborted = new TaskCompletionSource();
        var name = Server.Map("Never", async context =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            timeoutHeader.TrySetResult(context.Request.Headers[GrpcProtocol.TimeoutHeader].ToString());
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime.AddMilliseconds(500);
        var stopwatch = Stopwatch.StartNew();

        using var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(Deadline: deadline, CancellationToken: Ct), Text("x"));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        stopwatch.Stop();

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.InRange(stopwatch.ElapsedMilliseconds, 400, 2_000);
        Assert.True(GrpcTimeout.TryParse(await Within(timeoutHeader.Task), out var sent));
        Assert.InRange(sent, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(500));
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(StatusCode.DeadlineExceeded, call.GetStatus().StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Deadline_AlreadyPast_FailsAtOnceWithoutSending()
    {
        var requests = 0;
        var name = Server.Map("Counted", context =>
        {
            Interlocked.Increment(ref requests);
            TrailersOnly(context, StatusCode.OK);
            return Task.CompletedTask;
        });
        var past = TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(-1);

        using var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(Deadline: past, CancellationToken: Ct), Text("x"));

        Assert.True(call.ResponseAsync.IsCompleted);
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync)).StatusCode);
        using var stream = Invoker().AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(Deadline: past, CancellationToken: Ct), Text("x"));
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext(Ct))).StatusCode);
        Assert.Equal(0, Volatile.Read(ref requests));
    }

    [Fact(Timeout = 10_000)]
    public async Task Deadline_MeasuredWithChannelTimeProvider_FiresWhenClockPassesIt()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var timeoutHeader = new TaskCompletionSource<string>();
        var name = Server.Map("Clock", async context =>
        {
            timeoutHeader.TrySetResult(context.Request.Headers[GrpcProtocol.TimeoutHeader].ToString());
            await ReadAllAsync(context);
            Start(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        var invoker = Invoker(new RpcChannelOptions { TimeProvider = clock });
        var deadline = clock.GetUtcNow().UtcDateTime.AddMinutes(10);

        using var call = invoker.AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(Deadline: deadline, CancellationToken: Ct), Text("x"));
        var read = call.ResponseStream.MoveNext(Ct);
        Assert.Equal("600000m", await Within(timeoutHeader.Task));
        clock.Advance(TimeSpan.FromMinutes(9));
        await Task.Delay(100, Ct);
        Assert.False(read.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => Within(read))).StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Cancellation_TokenCancelled_ServerSeesAbortAndNextCallWorks()
    {
        var aborted = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        var hang = Server.Map("Hang", async context =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        var echo = Server.Map("Echo", async context =>
        {
            var requests = await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, requests[0]);
            Trailers(context, StatusCode.OK);
        });
        var invoker = Invoker();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        using var call = invoker.AsyncUnaryCall(Method(MethodType.Unary, hang), null, new CallOptions(CancellationToken: cts.Token), Text("x"));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        await cts.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => Within(call.ResponseAsync));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        var next = await invoker.AsyncUnaryCall(Method(MethodType.Unary, echo), null, new CallOptions(CancellationToken: Ct), Text("again"));
        Assert.Equal("again", next.Value);
    }

    [Fact(Timeout = 10_000)]
    public async Task Cancellation_TokenAlreadyCancelled_FailsAtOnce()
    {
        var name = Server.Map("Unused", context => Task.CompletedTask);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        using var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: cancelled.Token), Text("x"));

        Assert.True(call.ResponseAsync.IsCompleted);
        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync)).StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Dispose_UnaryInFlight_FailsCancelledAndServerSeesAbort()
    {
        var aborted = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        var name = Server.Map("DisposeMe", async context =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });

        var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        call.Dispose();

        var error = await Assert.ThrowsAsync<RpcException>(() => Within(call.ResponseAsync));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Contains("disposed", error.Status.Detail, StringComparison.Ordinal);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }

    [Fact(Timeout = 10_000)]
    public async Task Deadline_DuplexWithPendingWrite_FailsWriteWithDeadlineExceeded()
    {
        var name = Server.Map("NoRead", async context =>
        {
            Start(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime.AddMilliseconds(300);

        using var call = Invoker().AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(Deadline: deadline, CancellationToken: Ct));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            // The server never reads: writes block on flow control until the deadline cancels the call.
            for (var i = 0; i < 100; i++)
            {
                await call.RequestStream.WriteAsync(Text(new string('x', 64 * 1024)), Ct);
            }
        });

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct))).StatusCode);
    }
}
