namespace CyberDb;

/// <summary>The two kinds of table, as in the seed. Stored values travel on the wire and in .cdb files.</summary>
public enum CyberTableKind
{
    CyberDict = 0,
    CyberList = 1,
}
