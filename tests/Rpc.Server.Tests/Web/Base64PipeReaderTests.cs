using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Rpc.Server.Web;

namespace Rpc.Server.Tests.Web;

public sealed class Base64PipeReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task ReadAsync_InputSplitEveryNCharacters_DecodesExactly(int chunkSize)
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        var text = Encoding.ASCII.GetBytes(Convert.ToBase64String(data));

        var decoded = await DecodeAsync(text.Chunk(chunkSize));

        Assert.Equal(data, decoded);
    }

    [Fact]
    public async Task ReadAsync_PaddedBlocksMidStream_DecodesEachBlock()
    {
        var blocks = new[] { "a"u8.ToArray(), "bc"u8.ToArray(), "def"u8.ToArray(), "g"u8.ToArray() };
        var text = Encoding.ASCII.GetBytes(string.Concat(blocks.Select(Convert.ToBase64String)));

        var decoded = await DecodeAsync(text.Chunk(3));

        Assert.Equal("abcdefg"u8.ToArray(), decoded);
    }

    [Fact]
    public async Task ReadAsync_RandomSplitsOfPaddedBlocks_AlwaysDecodes()
    {
        var random = new Random(42);
        for (var round = 0; round < 200; round++)
        {
            var blocks = Enumerable.Range(0, random.Next(1, 6)).Select(_ => RandomBytes(random, random.Next(0, 40))).ToArray();
            var text = Encoding.ASCII.GetBytes(string.Concat(blocks.Select(Convert.ToBase64String)));
            var chunks = new List<byte[]>();
            for (var offset = 0; offset < text.Length;)
            {
                var size = Math.Min(text.Length - offset, random.Next(1, 9));
                chunks.Add(text[offset..(offset + size)]);
                offset += size;
            }

            Assert.Equal(blocks.SelectMany(b => b).ToArray(), await DecodeAsync(chunks));
        }
    }

    [Fact]
    public async Task ReadAsync_InvalidCharacters_ThrowsInternal()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => DecodeAsync([Encoding.ASCII.GetBytes("QUJD!!!!")]));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task ReadAsync_SingleTrailingCharacter_ThrowsInternal()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => DecodeAsync([Encoding.ASCII.GetBytes("QUJDQ")]));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task ReadAsync_ConsumerExaminesWithoutConsuming_WaitsForMoreThenSeesAll()
    {
        var pipe = new Pipe();
        var reader = new Base64PipeReader(pipe.Reader);
        var ct = TestContext.Current.CancellationToken;
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes("QUJD"), ct);

        var first = await reader.ReadAsync(ct);
        Assert.Equal(3, first.Buffer.Length);
        reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);
        var pending = reader.ReadAsync(ct);
        Assert.False(pending.IsCompleted);
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes("REVG"), ct);
        var second = await pending;

        Assert.Equal("ABCDEF"u8.ToArray(), second.Buffer.ToArray());
    }

    private static async Task<byte[]> DecodeAsync(IEnumerable<byte[]> chunks)
    {
        var ct = TestContext.Current.CancellationToken;
        var pipe = new Pipe();
        var reader = new Base64PipeReader(pipe.Reader);
        var writer = Task.Run(
            async () =>
            {
                foreach (var chunk in chunks)
                {
                    await pipe.Writer.WriteAsync(chunk, ct);
                }

                await pipe.Writer.CompleteAsync();
            },
            ct);

        var output = new List<byte>();
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            output.AddRange(result.Buffer.ToArray());
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await writer;
        return [.. output];
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
