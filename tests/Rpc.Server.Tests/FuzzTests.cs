using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

/// <summary>
/// Random, truncated, oversized and garbage requests from a seeded generator: every call must end with a clean
/// grpc-status (or the client's own abort), nothing may hang or be logged as an unhandled error, and the server
/// must still serve afterwards. A failure names the seed and iteration to replay.
/// </summary>
public sealed class FuzzTests
{
    private const int Seed = 20261121;
    private const int MaxLimit = 64 * 1024;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private static readonly string[] Paths =
    [
        "/test.Tester/Echo", "/test.Tester/Bytes", "/test.Tester/Info", "/test.Tester/EchoMetadata",
        "/test.Tester/Count", "/test.Tester/Concat", "/test.Tester/Chat",
    ];

    [Fact(Timeout = 120_000)]
    public async Task RandomRequests_ManyCalls_AlwaysCleanStatusAndServerSurvives()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.MaxReceiveMessageSize = MaxLimit);
        var random = new Random(Seed);
        var watch = Stopwatch.StartNew();
        var completed = 0;
        var statuses = new ConcurrentDictionary<int, int>();
        for (var batch = 0; batch < 60 && watch.Elapsed < Budget; batch++)
        {
            var cases = Enumerable.Range(0, 8).Select(i => FuzzCase.Create(random, $"seed {Seed} batch {batch} case {i}")).ToList();
            await Task.WhenAll(cases.Select(c => RunAsync(host, c, statuses)));
            completed += cases.Count;
        }

        Assert.True(completed >= 100, $"only {completed} cases ran within the budget");
        // The generator must reach every outcome it is meant to provoke, or it tests less than it claims.
        var seen = string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}x{p.Value}"));
        foreach (var expected in new[] { StatusCode.OK, StatusCode.DeadlineExceeded, StatusCode.ResourceExhausted, StatusCode.Unimplemented, StatusCode.Internal })
        {
            Assert.True(statuses.ContainsKey((int)expected), $"no {expected} among [{seen}]");
        }

        var after = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("alive"));
        Assert.Equal(["alive"], after.Texts);
        var afterWeb = await RawCalls.CallAsync(host.Http1, "/test.Tester/Echo", Frames.Text("alive"), "application/grpc-web");
        Assert.Equal(["alive"], afterWeb.Texts);
        host.AssertNoErrorsLogged();
    }

    private static async Task RunAsync(RpcTestHost host, FuzzCase fuzz, ConcurrentDictionary<int, int> statuses)
    {
        var ct = TestContext.Current.CancellationToken;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var client = fuzz.Http1 ? host.Http1 : host.Http2;
        var content = new PushContent([.. fuzz.Chunks]);
        if (!fuzz.AbortMidStream)
        {
            content.Complete();
        }

        var request = RawCalls.Request(fuzz.Path, content, fuzz.ContentType);
        foreach (var (name, value) in fuzz.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (fuzz.AbortMidStream)
        {
            // The client vanishes with its request half sent.
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            abort.CancelAfter(TimeSpan.FromMilliseconds(30));
            try
            {
                await RawCalls.SendAsync(client, request, abort.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or HttpIOException)
            {
                Assert.False(timeout.IsCancellationRequested, $"{fuzz}: hung");
            }

            return;
        }

        RawResponse response;
        try
        {
            response = await RawCalls.SendAsync(client, request, timeout.Token);
        }
        catch (Exception ex)
        {
            Assert.Fail($"{fuzz}: call failed at transport level: {ex}");
            return;
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{fuzz}: HTTP {response.StatusCode}");
        Assert.True(response.GrpcStatus is >= 0 and <= 16, $"{fuzz}: no valid grpc-status");
        statuses.AddOrUpdate(response.GrpcStatus!.Value, 1, (_, n) => n + 1);
    }

    private sealed record FuzzCase(
        string Name, string Path, string ContentType, bool Http1, List<(string Name, string Value)> Headers, List<byte[]> Chunks, bool AbortMidStream)
    {
        public static FuzzCase Create(Random random, string name)
        {
            var path = Paths[random.Next(Paths.Length)];
            var mode = random.Next(10);
            var (contentType, http1) = mode switch
            {
                0 => ("application/grpc-web", random.Next(2) == 0),
                1 => ("application/grpc-web-text", random.Next(2) == 0),
                2 => ("application/grpc+proto", false),
                _ => ("application/grpc", false),
            };
            var headers = new List<(string, string)>();
            if (random.Next(4) == 0)
            {
                headers.Add(("grpc-encoding", Pick(random, "gzip", "identity", "deflate", "br", "x")));
            }

            if (random.Next(4) == 0)
            {
                headers.Add(("grpc-timeout", Pick(random, "1S", "50m", "0m", "1n", "99999999H", "zz", "5", "1000u")));
            }

            if (random.Next(4) == 0)
            {
                headers.Add(("x-junk-bin", Pick(random, "AQID", "!!", "A", "AQ==", string.Empty)));
            }

            var body = new List<byte>();
            var frames = random.Next(0, 4);
            for (var i = 0; i < frames; i++)
            {
                body.AddRange(RandomFrame(random, path));
            }

            var bytes = body.ToArray();
            if (contentType == "application/grpc-web-text")
            {
                bytes = random.Next(5) == 0
                    ? Encoding.ASCII.GetBytes(RandomBase64ish(random))
                    : Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes));
            }

            var chunks = new List<byte[]>();
            for (var offset = 0; offset < bytes.Length;)
            {
                var size = Math.Min(bytes.Length - offset, random.Next(1, 64));
                chunks.Add(bytes[offset..(offset + size)]);
                offset += size;
            }

            return new FuzzCase(name, path, contentType, http1, headers, chunks, AbortMidStream: random.Next(12) == 0);
        }

        public override string ToString() =>
            $"{Name} ({Path}, {ContentType}{(Http1 ? ", HTTP/1.1" : string.Empty)}, {Chunks.Sum(c => c.Length)} bytes, " +
            $"headers [{string.Join(", ", Headers.Select(h => h.Name + "=" + h.Value))}]{(AbortMidStream ? ", aborted" : string.Empty)})";

        private static byte[] RandomFrame(Random random, string path)
        {
            var valid = path switch
            {
                "/test.Tester/Bytes" => new BytesValue { Value = ByteString.CopyFrom(RandomBytes(random, random.Next(0, 200))) }.ToByteArray(),
                "/test.Tester/Count" => new StringValue { Value = random.Next(0, 5).ToString(CultureInfo.InvariantCulture) }.ToByteArray(),
                _ => new StringValue { Value = new string('v', random.Next(0, 100)) }.ToByteArray(),
            };
            switch (random.Next(8))
            {
                case 0:
                case 1:
                    return Frames.Frame(valid);
                case 2:
                    return Frames.Frame(RandomBytes(random, random.Next(0, 300)));
                case 3:
                    var whole = Frames.Frame(valid);
                    return whole[..random.Next(0, whole.Length)];
                case 4:
                    return Frames.Concat(Frames.Header((uint)random.NextInt64(MaxLimit + 1, uint.MaxValue)), RandomBytes(random, random.Next(0, 50)));
                case 5:
                    return Frames.Frame(random.Next(2) == 0 ? Frames.Gzip(valid) : RandomBytes(random, random.Next(0, 100)), flags: 1);
                case 6:
                    return Frames.Frame(valid, flags: (byte)random.Next(2, 256));
                default:
                    return RandomBytes(random, random.Next(0, 40));
            }
        }

        private static string RandomBase64ish(Random random)
        {
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=!-_ \r\n";
            return new string([.. Enumerable.Range(0, random.Next(0, 80)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        }

        private static byte[] RandomBytes(Random random, int length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }

        private static string Pick(Random random, params string[] values) => values[random.Next(values.Length)];
    }
}
