namespace CyberDb.Cli.Json;

/// <summary>One table of a dump: its name, kind and number of items.</summary>
internal sealed record DumpTable(string Name, CyberTableKind Kind, long Count);
