using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using CyberDb.Protocol;
using CyberDb.Security;
using CyberDb.Tests.Infrastructure;
using MessagePack;
using Xunit.Abstractions;

namespace CyberDb.Tests.Transport.Tcp;

/// <summary>
/// Hostile peers against a live server for a bounded time: random bytes, lying lengths, random
/// opcodes with random arguments, and valid requests with bytes flipped, cut or appended (sealed
/// before or after the damage when encrypted), both before and after authentication. Meanwhile a
/// well-behaved client keeps incrementing a counter and echoing values; at the end every one of its
/// answers was right, the counter equals its successful increments, nothing failed unexpectedly on
/// the server, the fuzzers' connections are gone and the managed heap is back near where it began.
/// Seeds are fixed: a failure names the worker, its seed and its last actions.
/// </summary>
[Collection(SerialCollection.Name)] // the heap measurement needs the process to itself
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FuzzDuration = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private const int Fuzzers = 4;
    private const int MaxFrameBytes = 1024 * 1024;
    private const long HeapGrowthLimit = 64L * 1024 * 1024;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LiveServer_UnderRandomAndMutatedFrames_KeepsServingTheGoodClient(bool encrypt)
    {
        var hardening = new HardeningOptions { FailureLimit = 1_000_000 }; // keep the fuzzers reaching the parser, not the lockout
        using var server = new TcpTestServer(encrypt, whitelist: ["127.0.0.0/8"], hardening: hardening, maxFrameBytes: MaxFrameBytes);
        using var good = server.Connect();
        using var proxy = good.GetProxy();
        proxy.Connect();
        var table = proxy.CreateCyberDict(TcpTestServer.UniqueName("fuzz-good"));
        table["hits"] = 0L;
        var connectionsBefore = server.Connections;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        using var stop = new CancellationTokenSource(FuzzDuration);
        var fuzzers = Enumerable.Range(0, Fuzzers).Select(i => new Fuzzer(server.Port, seed: 0xC0DE + i, name: $"fuzzer {i}")).ToArray();
        var fuzzing = fuzzers.Select(f => Task.Run(() => f.RunAsync(stop.Token))).ToArray();

        long increments = 0;
        var echoes = 0;
        var heapPeak = heapBefore;
        var values = new Random(7);
        while (!stop.IsCancellationRequested)
        {
            Assert.Equal(increments + 1, table.Increment("hits"));
            increments++;
            var value = values.Next();
            table["echo"] = (long)value;
            Assert.Equal((long)value, table["echo"]);
            echoes++;
            heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
        }

        await Task.WhenAll(fuzzing).WaitAsync(Deadline);
        var report = string.Join(Environment.NewLine, fuzzers.Select(f => f.Report()));
        output.WriteLine($"good client: {increments} increments, {echoes} echoes; heap {heapBefore / 1024} KiB before, peak {heapPeak / 1024} KiB");
        output.WriteLine(report);

        Assert.Equal(increments, table["hits"]);
        Assert.True(echoes > 10, $"the good client made only {echoes} round trips while the fuzzers ran");
        Assert.True(fuzzers.Sum(f => f.FramesSent) > 100, "the fuzzers hardly sent anything: " + report);
        Assert.True(fuzzers.Sum(f => f.AuthenticatedSessions) > 0, "no fuzzer got past authentication: " + report);
        var failures = server.Logs.Entries.Where(e => e.EventId == 208).Select(e => e.Message).ToArray();
        Assert.True(failures.Length == 0, "the server failed unexpectedly: " + string.Join("; ", failures) + Environment.NewLine + report);

        await WaitUntilAsync(() => server.Connections <= connectionsBefore, () => $"the fuzzers' connections are closed ({server.Connections} open, {connectionsBefore} before)");
        using (var fresh = server.Connect())
        using (var freshProxy = fresh.GetProxy())
        {
            freshProxy.Connect();
            Assert.Equal(increments, freshProxy.GetCyberDict(table.Name)["hits"]);
        }

        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(heapAfter - heapBefore < HeapGrowthLimit, $"the heap grew by {(heapAfter - heapBefore) / 1024 / 1024} MiB and stayed");
        Assert.True(heapPeak - heapBefore < 4 * HeapGrowthLimit, $"the heap peaked {(heapPeak - heapBefore) / 1024 / 1024} MiB above its start");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Func<string> what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < Deadline, "timed out waiting until " + what());
            await Task.Delay(20);
        }
    }

    /// <summary>One hostile peer: connects again and again from 127.0.0.3 and sends damage of one kind per frame.</summary>
    private sealed class Fuzzer(int port, int seed, string name)
    {
        private static readonly TimeSpan AnswerWait = TimeSpan.FromMilliseconds(100);
        private readonly Random _random = new(seed);
        private readonly Queue<string> _recent = new();

        public int FramesSent { get; private set; }

        public int AuthenticatedSessions { get; private set; }

        public int Sessions { get; private set; }

        public string Report() =>
            $"{name} (seed {seed}): {Sessions} sessions, {AuthenticatedSessions} authenticated, {FramesSent} frames; last: {string.Join(" | ", _recent)}";

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await SessionAsync(stop);
                }
                catch (Exception e) when (IsPeerOutcome(e))
                {
                    // The server closed, refused or sent what a hostile peer deserves: all allowed outcomes.
                }
            }
        }

        private static bool IsPeerOutcome(Exception e) =>
            e is OperationCanceledException or System.Net.Sockets.SocketException or IOException
                or InvalidDataException or InvalidOperationException or CryptographicException or MessagePackSerializationException
                or EndOfStreamException;

        private async Task SessionAsync(CancellationToken stop)
        {
            using var raw = await RawSession.ConnectAsync(port, localAddress: "127.0.0.3");
            Sessions++;
            var beforeAuth = _random.Next(3) == 0;
            if (beforeAuth)
            {
                if (_random.Next(2) == 0)
                {
                    await raw.ReadHelloAsync();
                }

                Note("pre-auth");
            }
            else
            {
                var answer = await raw.AuthenticateAsync(TcpTestServer.Password);
                if (answer is not { Status: ResponseStatus.Ok })
                {
                    Note($"auth answered {answer?.Status.ToString() ?? "close"}");
                    return;
                }

                AuthenticatedSessions++;
            }

            var frames = _random.Next(1, 9);
            for (var i = 0; i < frames && !stop.IsCancellationRequested; i++)
            {
                await raw.SendRawAsync(NextFrame(raw));
                FramesSent++;
                if (await raw.ReceiveAsync(AnswerWait) is null)
                {
                    return; // closed: reconnect
                }
            }
        }

        private byte[] NextFrame(RawSession raw)
        {
            switch (_random.Next(5))
            {
                case 0:
                    Note("random bytes");
                    return RandomBytes(_random.Next(0, 512));
                case 1:
                    {
                        // A header whose length field lies (up to twice the limit), then some body.
                        var length = (uint)_random.NextInt64(0, 2L * MaxFrameBytes);
                        var bytes = RandomBytes(FrameHeader.Size + _random.Next(0, 4096));
                        BinaryPrimitives.WriteUInt32LittleEndian(bytes, length);
                        Note($"length {length}");
                        return bytes;
                    }

                case 2:
                    {
                        var code = (byte)_random.Next(256);
                        var arguments = RandomArguments();
                        Note($"opcode {code} with {arguments.Length} argument bytes");
                        return raw.BuildFrame(code, (uint)_random.Next(), (ref MessagePackWriter w) => w.WriteRaw(arguments));
                    }

                default:
                    return MutatedRequest(raw);
            }
        }

        /// <summary>A valid request damaged in one place; when encrypted, damaged before sealing (the cipher accepts it) or after (it must not).</summary>
        private byte[] MutatedRequest(RawSession raw)
        {
            var table = "fuzz-" + _random.Next(4);
            var (op, payload) = _random.Next(5) switch
            {
                0 => (OpCode.CreateDict, (PayloadWriter)((ref MessagePackWriter w) => { w.Write(table); w.WriteNil(); })),
                1 => (OpCode.DictSet, (ref MessagePackWriter w) => { w.Write(table); w.Write("k"); w.Write("value"); }),
                2 => (OpCode.DictIncrement, (ref MessagePackWriter w) => { w.Write(table); w.Write("n"); w.Write(1); }),
                3 => (OpCode.CreateList, (ref MessagePackWriter w) => { w.Write(table + "-list"); w.WriteArrayHeader(2); w.Write(1); w.Write("two"); }),
                _ => (OpCode.ListSlice, (ref MessagePackWriter w) => { w.Write(table + "-list"); w.Write(0); w.Write(false); w.Write(0); w.Write(true); }),
            };

            var sealAfter = raw.IsEncrypted && _random.Next(2) == 0;
            var frame = sealAfter ? raw.BuildFrame(op, (uint)_random.Next(), payload) : PlainFrame(op, payload);
            var damaged = Damage(frame);
            Note($"{op} damaged {(sealAfter ? "after" : "before")} sealing");
            return sealAfter ? damaged : raw.Seal(damaged);
        }

        private byte[] Damage(byte[] frame)
        {
            switch (_random.Next(4))
            {
                case 0: // flip one to three bytes anywhere, length field included
                    for (var flips = _random.Next(1, 4); flips > 0; flips--)
                    {
                        frame[_random.Next(frame.Length)] ^= (byte)_random.Next(1, 256);
                    }

                    return frame;
                case 1: // cut the arguments short and say so in the length
                    {
                        var cut = frame[..Math.Max(FrameHeader.Size, frame.Length - _random.Next(1, frame.Length))];
                        BinaryPrimitives.WriteUInt32LittleEndian(cut, (uint)(cut.Length - FrameHeader.LengthFieldSize));
                        return cut;
                    }

                case 2: // trailing garbage, counted in the length
                    {
                        var longer = new byte[frame.Length + _random.Next(1, 64)];
                        frame.CopyTo(longer, 0);
                        _random.NextBytes(longer.AsSpan(frame.Length));
                        BinaryPrimitives.WriteUInt32LittleEndian(longer, (uint)(longer.Length - FrameHeader.LengthFieldSize));
                        return longer;
                    }

                default: // arguments replaced by random bytes behind a true header
                    _random.NextBytes(frame.AsSpan(FrameHeader.Size));
                    return frame;
            }
        }

        private static byte[] PlainFrame(OpCode op, PayloadWriter payload)
        {
            using var buffer = new FrameBuffer();
            buffer.BeginFrame();
            var writer = new MessagePackWriter(buffer);
            payload(ref writer);
            writer.Flush();
            buffer.EndFrame((byte)op, 7);
            return buffer.WrittenSpan.ToArray();
        }

        /// <summary>Arguments that are either noise or well-formed MessagePack of random types and sizes.</summary>
        private byte[] RandomArguments()
        {
            if (_random.Next(2) == 0)
            {
                return RandomBytes(_random.Next(0, 256));
            }

            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            var writer = new MessagePackWriter(buffer);
            for (var count = _random.Next(0, 5); count > 0; count--)
            {
                switch (_random.Next(7))
                {
                    case 0: writer.Write("fuzz-" + _random.Next(4)); break;
                    case 1: writer.Write(_random.NextInt64(long.MinValue, long.MaxValue)); break;
                    case 2: writer.WriteNil(); break;
                    case 3: writer.Write(_random.Next(2) == 0); break;
                    case 4: writer.Write(RandomBytes(_random.Next(0, 128))); break;
                    case 5: writer.WriteArrayHeader(_random.Next(0, 1_000_000)); break; // a count no payload backs
                    default: writer.WriteMapHeader(_random.Next(0, 1_000_000)); break;
                }
            }

            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }

        private byte[] RandomBytes(int length)
        {
            var bytes = new byte[length];
            _random.NextBytes(bytes);
            return bytes;
        }

        private void Note(string action)
        {
            _recent.Enqueue(action);
            if (_recent.Count > 6)
            {
                _recent.Dequeue();
            }
        }
    }
}
