using System.Net;
using System.Net.Sockets;

namespace Rpc.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A TCP proxy on loopback between a client and an h2c server that forwards bytes unchanged in both directions and
/// reads the HTTP/2 frame headers as they pass, so a test can see what went over the wire: how many TCP connections
/// were made, and per direction the PINGs, resets and DATA bytes. It only observes; it never alters a byte.
/// </summary>
internal sealed class Http2FrameProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly List<Socket> _sockets = [];
    private readonly Lock _gate = new();
    private readonly Task _acceptLoop;
    private int _connections;
    private int _closedConnections;

    private Http2FrameProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Address = new Uri($"http://127.0.0.1:{port}");
        _acceptLoop = AcceptLoopAsync(_stop.Token);
    }

    /// <summary>Where clients connect (h2c).</summary>
    public Uri Address { get; }

    /// <summary>TCP connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections whose client or server side has closed.</summary>
    public int ClosedConnections => Volatile.Read(ref _closedConnections);

    /// <summary>Frames sent by the client (after its 24-byte preface).</summary>
    public FrameCounts ClientToServer { get; } = new();

    /// <summary>Frames sent by the server.</summary>
    public FrameCounts ServerToClient { get; } = new();

    /// <summary>Starts a proxy to an h2c server (an <c>http://127.0.0.1:port</c> address).</summary>
    public static Http2FrameProxy Start(Uri target) => new(target);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_gate)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        Task[] pumps;
        lock (_gate)
        {
            pumps = [.. _pumps];
        }

        // The pumps end when their sockets close; a pump that does not is a bug in the proxy, not in the system
        // under test, so it is not worth failing a test over.
        await Task.WhenAll([_acceptLoop, .. pumps]).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(cancellationToken);
                client.NoDelay = true;
                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await server.ConnectAsync(_target, cancellationToken);
                }
                catch (SocketException)
                {
                    client.Dispose();
                    server.Dispose();
                    continue;
                }

                Interlocked.Increment(ref _connections);
                var connection = new ConnectionState();
                lock (_gate)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                    _pumps.Add(PumpAsync(client, server, new FrameParser(ClientToServer, skipPreface: true), connection, cancellationToken));
                    _pumps.Add(PumpAsync(server, client, new FrameParser(ServerToClient, skipPreface: false), connection, cancellationToken));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The proxy is being disposed.
        }
    }

    /// <summary>Copies one direction, parsing each chunk before forwarding it so the counts never lag behind what the peer saw.</summary>
    private async Task PumpAsync(Socket from, Socket to, FrameParser parser, ConnectionState connection, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    break;
                }

                parser.Feed(buffer.AsSpan(0, read));
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // A reset or the proxy shutting down: close the other side too so neither peer hangs.
            to.Dispose();
            from.Dispose();
        }
        finally
        {
            if (connection.MarkClosed())
            {
                Interlocked.Increment(ref _closedConnections);
            }
        }
    }

    /// <summary>Counts a connection as closed once, when the first of its two directions ends.</summary>
    private sealed class ConnectionState
    {
        private int _closed;

        public bool MarkClosed() => Interlocked.Exchange(ref _closed, 1) == 0;
    }

    /// <summary>
    /// Splits one direction's byte stream into frames: the client preface (24 bytes) first when it is the client's,
    /// then 9-byte headers (24-bit length, type, flags, 31-bit stream id) each followed by its payload.
    /// </summary>
    private sealed class FrameParser(FrameCounts counts, bool skipPreface)
    {
        private const int PrefaceLength = 24;
        private const int HeaderLength = 9;

        private readonly byte[] _header = new byte[HeaderLength];
        private int _prefaceLeft = skipPreface ? PrefaceLength : 0;
        private int _headerFilled;
        private int _payloadLeft;

        public void Feed(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                if (_prefaceLeft > 0)
                {
                    var skip = Math.Min(_prefaceLeft, data.Length);
                    _prefaceLeft -= skip;
                    data = data[skip..];
                }
                else if (_payloadLeft > 0)
                {
                    var skip = Math.Min(_payloadLeft, data.Length);
                    _payloadLeft -= skip;
                    data = data[skip..];
                }
                else
                {
                    var take = Math.Min(HeaderLength - _headerFilled, data.Length);
                    data[..take].CopyTo(_header.AsSpan(_headerFilled));
                    _headerFilled += take;
                    data = data[take..];
                    if (_headerFilled == HeaderLength)
                    {
                        _headerFilled = 0;
                        _payloadLeft = (_header[0] << 16) | (_header[1] << 8) | _header[2];
                        counts.Record(type: _header[3], flags: _header[4], _payloadLeft);
                    }
                }
            }
        }
    }
}

/// <summary>What one direction of the proxied connections carried. Safe to read while traffic flows.</summary>
internal sealed class FrameCounts
{
    private const byte DataType = 0x0;
    private const byte RstStreamType = 0x3;
    private const byte PingType = 0x6;
    private const byte GoAwayType = 0x7;
    private const byte AckFlag = 0x1;

    private long _dataBytes;
    private int _pings;
    private int _pingAcks;
    private int _resets;
    private int _goAways;
    private int _frames;

    /// <summary>Payload bytes of DATA frames (gRPC message frames plus any padding).</summary>
    public long DataBytes => Interlocked.Read(ref _dataBytes);

    /// <summary>PING frames without the ACK flag: pings this side started.</summary>
    public int Pings => Volatile.Read(ref _pings);

    /// <summary>PING frames with the ACK flag: answers to the other side's pings.</summary>
    public int PingAcks => Volatile.Read(ref _pingAcks);

    /// <summary>RST_STREAM frames.</summary>
    public int Resets => Volatile.Read(ref _resets);

    /// <summary>GOAWAY frames.</summary>
    public int GoAways => Volatile.Read(ref _goAways);

    /// <summary>All frames.</summary>
    public int Frames => Volatile.Read(ref _frames);

    public override string ToString() =>
        $"frames={Frames} dataBytes={DataBytes} pings={Pings} pingAcks={PingAcks} resets={Resets} goAways={GoAways}";

    internal void Record(byte type, byte flags, int length)
    {
        Interlocked.Increment(ref _frames);
        switch (type)
        {
            case DataType:
                Interlocked.Add(ref _dataBytes, length);
                break;
            case PingType when (flags & AckFlag) != 0:
                Interlocked.Increment(ref _pingAcks);
                break;
            case PingType:
                Interlocked.Increment(ref _pings);
                break;
            case RstStreamType:
                Interlocked.Increment(ref _resets);
                break;
            case GoAwayType:
                Interlocked.Increment(ref _goAways);
                break;
            default:
                break;
        }
    }
}
