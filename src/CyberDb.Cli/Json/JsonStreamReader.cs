using System.Buffers;
using System.Text.Json;
using MessagePack;

namespace CyberDb.Cli.Json;

/// <summary>
/// Pulls JSON tokens from a stream of any size with a bounded buffer: <see cref="Utf8JsonReader"/>
/// over a window that is refilled (and grown only when one value is larger than the window).
/// Structure tokens come one at a time from <see cref="Read"/>; a whole value (a dump item) is
/// converted by <see cref="ReadValue"/> once it is entirely in the window.
/// </summary>
/// <remarks>
/// Utf8JsonReader is a ref struct, so it cannot live in a field: each call makes one over the
/// unread part of the window with the saved <see cref="JsonReaderState"/>, and saves the state and
/// position again afterwards. A call that runs out of bytes refills the window and starts over.
/// </remarks>
internal sealed class JsonStreamReader : IDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    private int _start;
    private int _end;
    private bool _final;
    private long _bufferOffset; // stream position of _buffer[0]
    private JsonReaderState _state = new(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 128 });

    public JsonStreamReader(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>The type of the token <see cref="Read"/> last returned.</summary>
    public JsonTokenType TokenType { get; private set; }

    /// <summary>The text of the last property name or string token; null for other tokens.</summary>
    public string? StringValue { get; private set; }

    /// <summary>The value of the last number token when it is an integer; null otherwise.</summary>
    public long? IntegerValue { get; private set; }

    /// <summary>Where the reader is in the stream, for error messages.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>Reads the next token; false at the end of the input.</summary>
    public bool Read()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            bool read;
            try
            {
                read = reader.Read();
            }
            catch (JsonException e)
            {
                throw Located(e.Message, e);
            }

            if (read)
            {
                TokenType = reader.TokenType;
                StringValue = reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String ? reader.GetString() : null;
                IntegerValue = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var integer) ? integer : null;
                Advance(ref reader);
                return true;
            }

            if (_final)
            {
                return false;
            }

            Refill();
        }
    }

    /// <summary>Reads the next token and checks its type.</summary>
    public void Expect(JsonTokenType type, string what)
    {
        if (!Read())
        {
            throw Located($"the file ends where {what} should be");
        }

        if (TokenType != type)
        {
            throw Located($"expected {what}, found {Describe(TokenType)}");
        }
    }

    /// <summary>Converts the next whole value to MessagePack; false (nothing read) when the next token is <paramref name="end"/>.</summary>
    public bool ReadValue(ref MessagePackWriter writer, JsonTokenType end) => ReadNext(ref writer, end, key: false);

    /// <summary>As <see cref="ReadValue"/> for a dictionary key: an integer or a string only.</summary>
    public void ReadKey(ref MessagePackWriter writer)
    {
        if (!ReadNext(ref writer, JsonTokenType.None, key: true))
        {
            throw Located("expected a key");
        }
    }

    /// <summary>Skips the next whole value (property value) without converting it.</summary>
    public void SkipValue()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            try
            {
                if (reader.Read() && reader.TrySkip())
                {
                    Advance(ref reader);
                    return;
                }
            }
            catch (JsonException e)
            {
                throw Located(e.Message, e);
            }

            if (_final)
            {
                throw Located("the file ends inside a value");
            }

            Refill();
        }
    }

    private bool ReadNext(ref MessagePackWriter writer, JsonTokenType end, bool key)
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            try
            {
                var probe = reader;
                if (probe.Read() && (probe.TokenType == end || probe.TrySkip()))
                {
                    reader.Read();
                    if (reader.TokenType == end)
                    {
                        TokenType = end;
                        Advance(ref reader);
                        return false;
                    }

                    if (key)
                    {
                        JsonMessagePackReader.ReadKey(ref reader, ref writer);
                    }
                    else
                    {
                        JsonMessagePackReader.ReadValue(ref reader, ref writer);
                    }

                    Advance(ref reader);
                    return true;
                }
            }
            catch (JsonException e)
            {
                throw Located(e.Message, e);
            }

            if (_final)
            {
                throw Located("the file ends inside a value");
            }

            Refill();
        }
    }

    private void Advance(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    /// <summary>Moves the unread bytes to the front, grows the window if it is full, and reads more.</summary>
    private void Refill()
    {
        var unread = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
            _bufferOffset += _start;
            _start = 0;
            _end = unread;
        }

        if (_end == _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _final = true;
        }

        _end += read;
    }

    public InvalidDataException Located(string message, Exception? inner = null) =>
        new($"{message} (near byte {Position})", inner);

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "'{'",
        JsonTokenType.EndObject => "'}'",
        JsonTokenType.StartArray => "'['",
        JsonTokenType.EndArray => "']'",
        JsonTokenType.PropertyName => "a property name",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        _ => type.ToString().ToLowerInvariant(),
    };

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
