namespace CyberDb.Protocol;

/// <summary>Wire values of <see cref="CyberTableKind"/> (the enum's own values are the contract).</summary>
internal static class CyberTableKindCodes
{
    public static CyberTableKind FromWire(long value) => value switch
    {
        0 => CyberTableKind.CyberDict,
        1 => CyberTableKind.CyberList,
        _ => throw new CyberDbException($"unknown table kind {value} on the wire"),
    };
}
