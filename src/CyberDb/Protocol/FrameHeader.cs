using System.Buffers.Binary;

namespace CyberDb.Protocol;

/// <summary>
/// The header in front of every frame, on TCP and in shared-memory rings alike.
/// <code>
///  0          4        5              9
///  +----------+--------+--------------+---------------------------+
///  | length   | code   | request id   | payload (MessagePack)      |
///  +----------+--------+--------------+---------------------------+
///  length:     u32 LE, the bytes after this field (5 + payload); checked against the
///              receiver's maximum frame size before anything is allocated
///  code:       an OpCode in requests, a ResponseStatus in responses
///  request id: u32 LE, chosen by the client, echoed in the response
/// </code>
/// </summary>
internal static class FrameHeader
{
    /// <summary>Bytes of the whole header, length field included.</summary>
    public const int Size = 9;

    /// <summary>Bytes of the length field.</summary>
    public const int LengthFieldSize = 4;

    /// <summary>Bytes counted by the length field that are header, not payload.</summary>
    public const int HeaderAfterLength = Size - LengthFieldSize;

    public const int CodeOffset = 4;
    public const int RequestIdOffset = 5;

    public static void Write(Span<byte> destination, int payloadLength, byte code, uint requestId)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(payloadLength + HeaderAfterLength));
        destination[CodeOffset] = code;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[RequestIdOffset..], requestId);
    }

    /// <summary>The value of the length field: the bytes that follow it.</summary>
    public static uint ReadLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header);

    public static uint ReadRequestId(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header[RequestIdOffset..]);
}
