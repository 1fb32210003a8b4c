namespace CyberDb.Protocol;

/// <summary>
/// A server's refusal of a connection (<see cref="ResponseStatus.Refused"/> or an unsolicited
/// <see cref="OpCode.Goodbye"/>): the payload is "kind: human message", so the client can both
/// branch on the kind and show the server's own words.
/// </summary>
internal static class Refusal
{
    public static string Format(CyberDbConnectionFailure kind, string message) => $"{kind}: {message}";

    public static CyberDbConnectionFailure Parse(string payload, out string message)
    {
        var colon = payload.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && Enum.TryParse<CyberDbConnectionFailure>(payload.AsSpan(0, colon), out var kind))
        {
            message = payload[(colon + 1)..].Trim();
            return kind;
        }

        message = payload;
        return CyberDbConnectionFailure.Unknown;
    }
}
