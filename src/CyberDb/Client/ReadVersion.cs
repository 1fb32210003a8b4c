namespace CyberDb.Client;

/// <summary>
/// The two server counters a cached read is valid against, as a client reads them from shared
/// memory: the table-set version (a table added, removed or replaced) and the board counter of
/// the table's name (its content changed). Both only go up while the server lives.
/// </summary>
internal readonly record struct ReadVersion(long TableSet, long Table);
