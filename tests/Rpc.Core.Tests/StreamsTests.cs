namespace Rpc.Core.Tests;

public sealed class StreamsTests
{
    [Fact]
    public async Task ReadAllAsync_ReadsCompletingAtOnceAndLater_YieldsEveryMessageInOrderThenEnds()
    {
        var reader = new ScriptedReader(["a", "b", "c"], pendingAt: 1, untilCancelled: false);

        var values = new List<string>();
        await foreach (var value in reader.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            values.Add(value);
        }

        Assert.Equal(["a", "b", "c"], values);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAllAsync_EitherTokenCancelled_CancelsThePendingRead(bool cancelEnumeratorToken)
    {
        using var methodToken = new CancellationTokenSource();
        using var enumeratorToken = new CancellationTokenSource();
        var reader = new ScriptedReader(["a"], pendingAt: 0, untilCancelled: true);
        await using var messages = reader.ReadAllAsync(methodToken.Token).GetAsyncEnumerator(enumeratorToken.Token);

        var next = messages.MoveNextAsync().AsTask();
        Assert.False(next.IsCompleted);
        await (cancelEnumeratorToken ? enumeratorToken : methodToken).CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    [Fact]
    public void ReadAllAsync_NullReader_ThrowsAtOnce()
    {
        Assert.Throws<ArgumentNullException>(() => AsyncStreamReaderExtensions.ReadAllAsync<string>(null!, TestContext.Current.CancellationToken));
    }

    /// <summary>Hands out the messages; the read at <c>pendingAt</c> waits, for a tick or until its token is cancelled.</summary>
    private sealed class ScriptedReader(string[] messages, int pendingAt, bool untilCancelled) : IAsyncStreamReader<string>
    {
        private int _next;

        public string Current { get; private set; } = string.Empty;

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_next == messages.Length)
            {
                return Task.FromResult(false);
            }

            Current = messages[_next];
            return _next++ == pendingAt ? WaitThenTrueAsync(cancellationToken) : Task.FromResult(true);
        }

        private async Task<bool> WaitThenTrueAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(untilCancelled ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(10), cancellationToken);
            return true;
        }
    }
}
