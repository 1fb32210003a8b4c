using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// Single-producer, single-consumer byte ring over shared memory, carrying length-prefixed
/// messages of any size: a message larger than the ring streams through it in chunks.
/// </summary>
/// <remarks>
/// <para>Layout (offsets from the ring's base pointer, pinned by a test):</para>
/// <code>
///   0    +--------------------------------------------+  producer line (producer writes)
///        | Tail: int64 monotonic write position        |  futex word = low 32 bits of Tail
///   8    | ProducerSleeping: int32 (sleepers)          |
///        | ... pad to 128 ...                          |
///   128  +--------------------------------------------+  consumer line (consumer writes)
///        | Head: int64 monotonic read position         |  futex word = low 32 bits of Head
///   136  | ConsumerSleeping: int32 (sleepers)          |
///   140  | ConsumerWatch: int32 (0, or a watcher's tag) |
///        | ... pad to 128 ...                          |
///   256  +--------------------------------------------+
///        | data[Capacity] (power of two, >= 128)       |  byte at position p is data[p &amp; (Capacity-1)]
///        +--------------------------------------------+
///   message = int32 little-endian length L, then L bytes; both may wrap around the end of data.
/// </code>
/// <para>Positions only grow (2^63 bytes never wrap), so <c>Tail - Head</c> is the number of unread
/// bytes and <c>Capacity - (Tail - Head)</c> the free space; no "full vs empty" ambiguity.</para>
/// <para>Producer steps:</para>
/// <list type="number">
/// <item>Read Head with <c>Volatile.Read</c> (acquire): the consumer finished
/// copying bytes out before it published Head, so the space below Head may be overwritten.
/// Head is cached locally and re-read only when the cached free space is not enough.</item>
/// <item>Copy the length prefix and payload bytes at Tail (plain stores).</item>
/// <item>Publish the new Tail with <see cref="Interlocked.Exchange(ref long, long)"/>: release (the
/// bytes are visible before Tail) and a full fence (Tail is visible before step 4's flag read).</item>
/// <item>If ConsumerSleeping or ConsumerWatch is non-zero, <c>FUTEX_WAKE</c> every sleeper on the Tail word; if this ring has a peer
/// doorbell (client side of a slot), ring it when the executor sleeps.</item>
/// </list>
/// <para>Consumer steps mirror them: acquire-read Tail, copy bytes out, publish Head with
/// <see cref="Interlocked.Exchange(ref long, long)"/> (release so the producer never overwrites bytes
/// being read; full fence before reading ProducerSleeping), and only if ProducerSleeping is
/// non-zero (a producer waits for space: asleep in <see cref="Write"/>, or the executor with a
/// message <see cref="WriteAvailable"/> has not finished) wake it and ring the peer doorbell.</para>
/// <para>A message of length L needs 4 + L bytes. <see cref="TryWrite"/> is all-or-nothing and
/// only for <c>L &lt;= Capacity - 4</c>; <see cref="WriteAvailable"/> and <see cref="Write"/> stream
/// any length: the prefix goes in as soon as 4 bytes are free, then payload as space frees up.
/// <see cref="TryRead"/> likewise appends whatever part of the current message has arrived to the
/// caller's <see cref="IBufferWriter{T}"/> and returns <see langword="true"/> once the whole
/// message is there, so the consumer never needs a buffer the size of the ring.</para>
/// <para>API (producer side, one thread): <c>int FreeBytes</c>, <c>bool TryWrite(ReadOnlySpan&lt;byte&gt;)</c>,
/// <c>bool WriteAvailable(ReadOnlySpan&lt;byte&gt;, ref long progress)</c>,
/// <c>void Write(ReadOnlySpan&lt;byte&gt;, int timeoutMs, Func&lt;bool&gt;? peerAlive, CancellationToken)</c>.
/// Consumer side, one thread: <c>bool HasData</c>, <c>bool IsReadingMessage</c>,
/// <c>bool TryRead(IBufferWriter&lt;byte&gt;)</c>,
/// <c>void Read(IBufferWriter&lt;byte&gt;, int timeoutMs, Func&lt;bool&gt;? peerAlive, CancellationToken)</c>.
/// Layout helpers: <c>TotalSize(capacity)</c>, <c>Initialize(byte*)</c>.</para>
/// <para>Ownership: an instance keeps role-local state (cached positions, progress of the message
/// being read), so each process makes its own instance and uses it from one thread per role. After
/// a blocking call throws (timeout, peer death, cancellation, corrupt length) the ring may hold half
/// a message: treat the connection as broken. The memory must outlive the instance (the
/// <see cref="SharedRegion"/> that mapped it stays undisposed while rings are in use).</para>
/// </remarks>
internal sealed unsafe class SpscRing
{
    public const int TailOffset = 0;
    public const int ProducerSleepingOffset = 8;
    public const int HeadOffset = 128;
    public const int ConsumerSleepingOffset = 136;
    public const int ConsumerWatchOffset = 140;
    public const int DataOffset = 256;
    public const int ControlSize = 256;
    public const int LengthPrefixSize = 4;
    public const int MinCapacity = 128;
    public const int MaxCapacity = 1 << 30;

    private readonly byte* _base;
    private readonly byte* _data;
    private readonly int _capacity;
    private readonly int _mask;
    private readonly int _maxMessageLength;
    private readonly RingWaitPolicy _waitPolicy;
    private readonly ExecutorDoorbell? _peerDoorbell;

    // Whoever waits on this ring (its producer for space or its consumer for data; one thread at a
    // time on each side of a connection): whether spinning has been paying off.
    private readonly WaitHistory _waitHistory = new();

    // Producer-local (only the producer thread touches these): our Tail, last Head we read, and
    // whether WriteAvailable holds a count on ProducerSleeping for a message it has not finished.
    private long _tail;
    private long _cachedHead;
    private bool _awaitingSpace;

    // Consumer-local (only the consumer thread touches these): our Head, payload bytes of the
    // current message still to read (-1 = between messages).
    private long _head;
    private long _remaining = -1;

    /// <param name="ringBase">Start of the ring (its control block), 128-byte aligned, <see cref="TotalSize"/> bytes.</param>
    /// <param name="capacity">Data bytes: a power of two in [<see cref="MinCapacity"/>, <see cref="MaxCapacity"/>].</param>
    /// <param name="waitPolicy">Spin/yield/futex policy for blocking calls; <see cref="RingWaitPolicy.Default"/> if null.</param>
    /// <param name="peerDoorbell">Rung after each publish when the peer is the executor, which sleeps on the region doorbell instead of this ring's futex.</param>
    /// <param name="maxMessageLength">Longer incoming lengths are treated as corruption (protects the reader from a hostile writer).</param>
    public SpscRing(byte* ringBase, int capacity, RingWaitPolicy? waitPolicy = null, ExecutorDoorbell? peerDoorbell = null, int maxMessageLength = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(ringBase);
        ValidateCapacity(capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessageLength);
        if (((nint)ringBase & 127) != 0)
        {
            throw new ArgumentException("ring base must be 128-byte aligned.", nameof(ringBase));
        }

        _base = ringBase;
        _data = ringBase + DataOffset;
        _capacity = capacity;
        _mask = capacity - 1;
        _maxMessageLength = maxMessageLength;
        _waitPolicy = waitPolicy ?? RingWaitPolicy.Default;
        _peerDoorbell = peerDoorbell;

        // Attach at whatever positions the ring holds (zero for a fresh one); must be at a message boundary.
        _tail = Volatile.Read(ref TailRef);
        _cachedHead = Volatile.Read(ref HeadRef);
        _head = _cachedHead;
    }

    public int Capacity => _capacity;

    /// <summary>Largest message <see cref="TryWrite"/> accepts: it must fit whole.</summary>
    public int MaxWholeMessageLength => _capacity - LengthPrefixSize;

    /// <summary>Producer: bytes that can be written now (one shared read). A streaming writer with a pending message polls this.</summary>
    public int FreeBytes
    {
        get
        {
            _cachedHead = Volatile.Read(ref HeadRef); // acquire, as in producer step 1
            return (int)(_capacity - (_tail - _cachedHead));
        }
    }

    /// <summary>Consumer: whether unread bytes are waiting (cheap; one shared read).</summary>
    public bool HasData => Volatile.Read(ref TailRef) != _head;

    /// <summary>Consumer: whether a message has been partly appended by <see cref="TryRead"/>.</summary>
    public bool IsReadingMessage => _remaining >= 0;

    private ref long TailRef => ref *(long*)(_base + TailOffset);

    private ref long HeadRef => ref *(long*)(_base + HeadOffset);

    private int* TailWord => (int*)(_base + TailOffset);

    private int* HeadWord => (int*)(_base + HeadOffset);

    private int* ProducerSleeping => (int*)(_base + ProducerSleepingOffset);

    private int* ConsumerSleeping => (int*)(_base + ConsumerSleepingOffset);

    private int* ConsumerWatch => (int*)(_base + ConsumerWatchOffset);

    /// <summary>Bytes a ring of <paramref name="capacity"/> data bytes occupies, control block included.</summary>
    public static long TotalSize(int capacity)
    {
        ValidateCapacity(capacity);
        return ControlSize + (long)capacity;
    }

    /// <summary>Zeroes the control block (positions and flags): a fresh, empty ring. Only while no one uses it.</summary>
    public static void Initialize(byte* ringBase)
    {
        ArgumentNullException.ThrowIfNull(ringBase);
        new Span<byte>(ringBase, ControlSize).Clear();
        Interlocked.MemoryBarrier(); // the zeroes are visible before whoever hands the ring out publishes it
    }

    /// <summary>Producer: writes the whole message if it fits now, else writes nothing.</summary>
    /// <returns><see langword="false"/> if there is not room for 4 + length bytes right now.</returns>
    /// <exception cref="ArgumentException">The message is longer than <see cref="MaxWholeMessageLength"/>; use <see cref="Write"/> or <see cref="WriteAvailable"/>.</exception>
    public bool TryWrite(ReadOnlySpan<byte> message)
    {
        if (message.Length > _capacity - LengthPrefixSize)
        {
            ThrowTooLargeForTryWrite(message.Length);
        }

        var needed = LengthPrefixSize + message.Length;
        if (_capacity - (_tail - _cachedHead) < needed)
        {
            _cachedHead = Volatile.Read(ref HeadRef); // producer step 1 (acquire)
            if (_capacity - (_tail - _cachedHead) < needed)
            {
                return false;
            }
        }

        WritePrefix(message.Length);
        CopyIn(_tail + LengthPrefixSize, message);
        PublishTail(_tail + needed);
        return true;
    }

    /// <summary>
    /// Producer, non-blocking streaming: writes as much of the message as fits now. Start with
    /// <paramref name="progress"/> = 0 and call again with the same message and progress until it
    /// returns <see langword="true"/>; make no other producer call in between.
    /// </summary>
    /// <param name="message">The message; the same span on every call for one message.</param>
    /// <param name="progress">Bytes of prefix plus payload already in the ring; updated.</param>
    /// <returns><see langword="true"/> once the whole message is in the ring.</returns>
    public bool WriteAvailable(ReadOnlySpan<byte> message, ref long progress)
    {
        var total = LengthPrefixSize + (long)message.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(progress);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(progress, total);
        if (progress == total)
        {
            return true;
        }

        var free = _capacity - (_tail - _cachedHead);
        if (free < total - progress && free < _capacity)
        {
            _cachedHead = Volatile.Read(ref HeadRef); // producer step 1 (acquire)
            free = _capacity - (_tail - _cachedHead);
        }

        var tail = _tail;
        if (progress == 0)
        {
            if (free < LengthPrefixSize)
            {
                return AwaitSpace(done: false);
            }

            WritePrefix(message.Length);
            tail += LengthPrefixSize;
            free -= LengthPrefixSize;
            progress = LengthPrefixSize;
        }

        var chunk = (int)Math.Min(free, total - progress);
        if (chunk > 0)
        {
            CopyIn(tail, message.Slice((int)(progress - LengthPrefixSize), chunk));
            tail += chunk;
            progress += chunk;
        }

        if (tail != _tail)
        {
            PublishTail(tail);
        }

        return AwaitSpace(done: progress == total);
    }

    /// <summary>
    /// Producer, streaming: while a message is only partly in the ring, ProducerSleeping holds one
    /// count of ours, which tells the consumer to ring the peer doorbell after it frees space; a
    /// consumer that frees space while nobody waits for it rings nothing (measured on the web app:
    /// every answer read used to wake a sleeping executor for no work). The increment is a full
    /// fence before the executor's own sleep re-check of <see cref="FreeBytes"/> (Dekker against the
    /// consumer's Head publish and count read).
    /// </summary>
    private bool AwaitSpace(bool done)
    {
        if (done == _awaitingSpace)
        {
            if (done)
            {
                DropSleeper(ProducerSleeping);
            }
            else
            {
                Interlocked.Increment(ref *ProducerSleeping);
            }

            _awaitingSpace = !done;
        }

        return done;
    }

    /// <summary>
    /// Producer, blocking: writes the whole message, streaming it in chunks if it is larger than
    /// the ring, waiting for space as the consumer frees it.
    /// </summary>
    /// <param name="message">The message, any length.</param>
    /// <param name="timeoutMs">Deadline for the whole message, from now (>= 0).</param>
    /// <param name="peerAlive">Polled between futex slices; returning false fails the call with <see cref="SharedRegionFailure.PeerDead"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (also wakes a futex sleep at once).</param>
    /// <exception cref="TimeoutException">The consumer did not make room in time (the ring may hold part of the message).</exception>
    /// <exception cref="SharedRegionException">The peer died (<see cref="SharedRegionFailure.PeerDead"/>).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public void Write(ReadOnlySpan<byte> message, int timeoutMs, Func<bool>? peerAlive = null, CancellationToken cancellationToken = default)
    {
        if (message.Length <= _capacity - LengthPrefixSize && TryWrite(message))
        {
            return;
        }

        WriteSlow(message, timeoutMs, peerAlive, cancellationToken);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteSlow(ReadOnlySpan<byte> message, int timeoutMs, Func<bool>? peerAlive, CancellationToken cancellationToken)
    {
        var deadline = RingWaitPolicy.DeadlineAfter(timeoutMs);
        var total = LengthPrefixSize + (long)message.Length;
        if (total <= _capacity)
        {
            // Fits whole: wait for room for all of it, then one copy, one publish, at most one wake.
            while (!TryWrite(message))
            {
                WaitForSpace(total, deadline, timeoutMs, peerAlive, cancellationToken);
            }

            return;
        }

        long progress = 0;
        while (!WriteAvailable(message, ref progress))
        {
            // Streaming: the prefix first, then at least a quarter ring per chunk, so a producer
            // woken by every small read does not degrade into many tiny chunks and wakes.
            var wanted = progress == 0 ? LengthPrefixSize : Math.Min(total - progress, _capacity / 4);
            WaitForSpace(wanted, deadline, timeoutMs, peerAlive, cancellationToken);
        }
    }

    private void WaitForSpace(long wanted, long deadline, int timeoutMs, Func<bool>? peerAlive, CancellationToken cancellationToken)
    {
        var condition = new SpaceCondition(this, wanted);
        if (!_waitPolicy.WaitUntil(ref condition, HeadWord, ProducerSleeping, deadline, peerAlive, cancellationToken, _waitHistory))
        {
            ThrowTimeout(timeoutMs, "for space to write");
        }
    }

    /// <summary>
    /// Consumer, non-blocking: appends what has arrived of the current message to
    /// <paramref name="destination"/>. Returns <see langword="true"/> when the whole message has been
    /// appended; on <see langword="false"/> part of it may have been appended: pass the same writer
    /// again, untouched, until <see langword="true"/>.
    /// </summary>
    /// <exception cref="SharedRegionException">The ring holds a negative or over-limit length (<see cref="SharedRegionFailure.Corrupt"/>).</exception>
    public bool TryRead(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var tail = Volatile.Read(ref TailRef); // consumer step 1 (acquire): bytes below Tail are written
        var head = _head;
        if (tail == head)
        {
            return false;
        }

        // Only a hostile or broken producer moves Tail backwards or more than a ring ahead, or
        // publishes half a prefix (ours writes the 4 prefix bytes in one publish).
        if ((ulong)(tail - head) > (ulong)_capacity || (_remaining < 0 && tail - head < LengthPrefixSize))
        {
            ThrowCorruptPositions(head, tail);
        }

        if (_remaining < 0)
        {
            Span<byte> prefix = stackalloc byte[LengthPrefixSize];
            CopyOut(head, prefix);
            var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
            if (length < 0 || length > _maxMessageLength)
            {
                ThrowCorruptLength(length);
            }

            head += LengthPrefixSize;
            _remaining = length;
        }

        var chunk = (int)Math.Min(tail - head, _remaining);
        while (chunk > 0)
        {
            // At most two segments (before and after the wrap).
            var offset = (int)(head & _mask);
            var segment = Math.Min(chunk, _capacity - offset);
            var span = destination.GetSpan(segment);
            new ReadOnlySpan<byte>(_data + offset, segment).CopyTo(span);
            destination.Advance(segment);
            head += segment;
            _remaining -= segment;
            chunk -= segment;
        }

        PublishHead(head);
        if (_remaining == 0)
        {
            _remaining = -1;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Consumer, for a thread that waits on many rings at once (<see cref="Futex.WaitAny"/>): steps 1–3 of
    /// the sleep protocol in <see cref="RingWaitPolicy"/>. Returns <see langword="false"/> (count dropped
    /// again) when data is already there; otherwise ConsumerSleeping holds one more and <paramref name="waiter"/>
    /// names this ring's futex word and the value it was seen with. Call <see cref="EndConsumerSleep"/> after the wait.
    /// </summary>
    public bool PrepareConsumerSleep(out Futex.FutexWaiter waiter)
    {
        var observed = Volatile.Read(ref *TailWord);
        Interlocked.Increment(ref *ConsumerSleeping); // full fence: the count before the re-check
        if (HasData)
        {
            DropSleeper(ConsumerSleeping);
            waiter = default;
            return false;
        }

        waiter = Futex.FutexWaiter.For(TailWord, observed);
        return true;
    }

    /// <summary>Consumer: drops the count <see cref="PrepareConsumerSleep"/> added (late is harmless: it only costs the producer a wake).</summary>
    public void EndConsumerSleep() => DropSleeper(ConsumerSleeping);

    /// <summary>
    /// Consumer, for the pump: a standing watch, so the producer wakes the Tail word after every
    /// publish until <see cref="EndWatch"/>; the pump then needs no wake of its own to learn that an
    /// answer arrived (see <see cref="SharedMemoryResponsePump"/>). <paramref name="tag"/> (non-zero,
    /// different for every claim of the slot) is what <see cref="EndWatch"/> clears: once the server
    /// has reclaimed the slot and zeroed the ring for another connection, a late end of our watch
    /// leaves the new owner's word alone. A full fence: the watch is visible before the pump reads
    /// the Tail word it then sleeps on.
    /// </summary>
    public void BeginWatch(int tag)
    {
        ArgumentOutOfRangeException.ThrowIfZero(tag);
        Interlocked.Exchange(ref *ConsumerWatch, tag);
    }

    /// <summary>Consumer, for the pump: ends the watch <see cref="BeginWatch"/> set with <paramref name="tag"/>, if the word still holds it.</summary>
    public void EndWatch(int tag) => Interlocked.CompareExchange(ref *ConsumerWatch, 0, tag);

    /// <summary>Consumer, for the pump: this ring's futex word as it is now (no count taken; <see cref="BeginWatch"/> holds one).</summary>
    public Futex.FutexWaiter WatchWaiter() => Futex.FutexWaiter.For(TailWord, Volatile.Read(ref *TailWord));

    /// <summary>Consumer, blocking: appends one whole message to <paramref name="destination"/>.</summary>
    /// <param name="destination">Receives the payload (appended; not cleared first).</param>
    /// <param name="timeoutMs">Deadline for the whole message, from now (>= 0).</param>
    /// <param name="peerAlive">Polled between futex slices; returning false fails the call with <see cref="SharedRegionFailure.PeerDead"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (also wakes a futex sleep at once).</param>
    /// <exception cref="TimeoutException">The message did not arrive completely in time.</exception>
    /// <exception cref="SharedRegionException">The peer died, or the ring is corrupt.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public void Read(IBufferWriter<byte> destination, int timeoutMs, Func<bool>? peerAlive = null, CancellationToken cancellationToken = default)
    {
        if (TryRead(destination))
        {
            return;
        }

        ReadSlow(destination, timeoutMs, peerAlive, cancellationToken);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReadSlow(IBufferWriter<byte> destination, int timeoutMs, Func<bool>? peerAlive, CancellationToken cancellationToken)
    {
        var deadline = RingWaitPolicy.DeadlineAfter(timeoutMs);
        do
        {
            var condition = new DataCondition(this);
            if (!_waitPolicy.WaitUntil(ref condition, TailWord, ConsumerSleeping, deadline, peerAlive, cancellationToken, _waitHistory))
            {
                ThrowTimeout(timeoutMs, "for a message");
            }
        }
        while (!TryRead(destination));
    }

    private void WritePrefix(int length)
    {
        Span<byte> prefix = stackalloc byte[LengthPrefixSize];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, length);
        CopyIn(_tail, prefix);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PublishTail(long tail)
    {
        _tail = tail;

        // Producer step 3: release (bytes before Tail) + full fence (Tail before the flag reads below).
        Interlocked.Exchange(ref TailRef, tail);

        // Producer step 4: pay for a syscall only when the consumer announced it sleeps or watches.
        // Every sleeper: the client's pump and a synchronous call may both wait on this word.
        if ((Volatile.Read(ref *ConsumerSleeping) | Volatile.Read(ref *ConsumerWatch)) != 0)
        {
            Futex.Wake(TailWord, int.MaxValue);
        }

        _peerDoorbell?.RingIfSleeping();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PublishHead(long head)
    {
        _head = head;

        // Consumer step 3: release (our reads of the bytes happen before the producer may reuse
        // them) + full fence (Head before the flag reads below).
        Interlocked.Exchange(ref HeadRef, head);

        // Only a producer that waits for space (asleep on Head in Write, or the executor streaming
        // with WriteAvailable) is worth a syscall.
        if (Volatile.Read(ref *ProducerSleeping) != 0)
        {
            Futex.Wake(HeadWord, 1);
            _peerDoorbell?.RingIfSleeping();
        }
    }

    /// <summary>
    /// Takes one sleeper off a count, never below zero: a sleeper that wakes after the server
    /// reclaimed the slot and zeroed the ring must not leave the next owner a negative count.
    /// </summary>
    internal static void DropSleeper(int* count)
    {
        var seen = Volatile.Read(ref *count);
        while (seen > 0)
        {
            var before = Interlocked.CompareExchange(ref *count, seen - 1, seen);
            if (before == seen)
            {
                return;
            }

            seen = before;
        }
    }

    private void CopyIn(long position, ReadOnlySpan<byte> source)
    {
        var offset = (int)(position & _mask);
        var first = Math.Min(source.Length, _capacity - offset);
        source[..first].CopyTo(new Span<byte>(_data + offset, first));
        if (first < source.Length)
        {
            source[first..].CopyTo(new Span<byte>(_data, source.Length - first));
        }
    }

    private void CopyOut(long position, Span<byte> destination)
    {
        var offset = (int)(position & _mask);
        var first = Math.Min(destination.Length, _capacity - offset);
        new ReadOnlySpan<byte>(_data + offset, first).CopyTo(destination);
        if (first < destination.Length)
        {
            new ReadOnlySpan<byte>(_data, destination.Length - first).CopyTo(destination[first..]);
        }
    }

    private static void ValidateCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, MinCapacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        if (!BitOperations.IsPow2(capacity))
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "ring capacity must be a power of two.");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooLargeForTryWrite(int length) =>
        throw new ArgumentException($"a {length}-byte message cannot fit whole in a {_capacity}-byte ring (max {MaxWholeMessageLength}); use Write or WriteAvailable to stream it.", "message");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowCorruptLength(int length) =>
        throw new SharedRegionException(SharedRegionFailure.Corrupt, $"shared-memory ring holds a message length of {length} (limit {_maxMessageLength}); the ring is corrupt.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowCorruptPositions(long head, long tail) =>
        throw new SharedRegionException(SharedRegionFailure.Corrupt, $"shared-memory ring positions are impossible (head {head}, tail {tail}, capacity {_capacity}); the ring is corrupt.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTimeout(int timeoutMs, string what) =>
        throw new TimeoutException($"shared-memory ring: waited {timeoutMs} ms {what}.");

    /// <summary>Consumer waits until Tail moves past our Head.</summary>
    private readonly struct DataCondition(SpscRing ring) : IWaitCondition
    {
        public bool IsMet() => ring.HasData;
    }

    /// <summary>Producer waits until at least <c>wanted</c> bytes are free.</summary>
    private readonly struct SpaceCondition(SpscRing ring, long wanted) : IWaitCondition
    {
        public bool IsMet() => ring._capacity - (ring._tail - Volatile.Read(ref ring.HeadRef)) >= wanted;
    }
}
