using HdrHistogram;
using HdrHistogram.Utilities;

namespace CyberDb.Bench.Results;

/// <summary>
/// Latency histograms as they travel from a worker to the orchestrator: HdrHistogram's compressed
/// V2 encoding, in base64 so that it fits on one line of standard output. Values are nanoseconds.
/// </summary>
internal static class HistogramCodec
{
    /// <summary>Largest latency a histogram tracks: 60 s, in nanoseconds.</summary>
    public const long HighestTrackableNs = 60_000_000_000L;

    /// <summary>Three significant digits: 0.1% resolution at every magnitude.</summary>
    public const int SignificantDigits = 3;

    public static LongHistogram CreateNs() => new(HighestTrackableNs, SignificantDigits);

    public static string Encode(HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        // ByteBuffer keeps its own array (Allocate(byte[]) copies), so read the encoding back out.
        var buffer = ByteBuffer.Allocate(histogram.GetNeededByteBufferCapacity());
        var length = histogram.EncodeIntoCompressedByteBuffer(buffer);
        var bytes = new byte[length];
        buffer.Position = 0;
        for (var i = 0; i < length; i++)
        {
            bytes[i] = buffer.Get();
        }

        return Convert.ToBase64String(bytes);
    }

    public static HistogramBase Decode(string base64)
    {
        var buffer = ByteBuffer.Allocate(Convert.FromBase64String(base64));
        return HistogramEncoding.DecodeFromCompressedByteBuffer(buffer, HighestTrackableNs);
    }
}
