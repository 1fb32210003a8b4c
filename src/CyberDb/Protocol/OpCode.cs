namespace CyberDb.Protocol;

/// <summary>
/// The operation a request frame asks for. Stored values are part of the wire contract:
/// <c>OpCodeTests</c> pins them, so a renumbering cannot slip in unnoticed. Arguments follow the
/// table name in the payload, in the order given here.
/// </summary>
internal enum OpCode : byte
{
    // --- session ---------------------------------------------------------------------------
    /// <summary>Server hello / client auth exchange (handshake only).</summary>
    Hello = 1,
    Auth = 2,
    /// <summary>No arguments; answers nil. Health checks and liveness.</summary>
    Ping = 3,
    /// <summary>Server to client, unsolicited: the connection is being closed; payload = message.</summary>
    Goodbye = 4,
    /// <summary>No arguments; answers a map of server statistics and tables (<c>cyberdb info</c>).</summary>
    Info = 5,
    /// <summary>
    /// After authentication, from a client on the server's host: [pid] → [slot, slotGeneration] (the
    /// ring pair is the client's from now on; this socket becomes the lifeline) or nil (no free slot:
    /// the connection stays on TCP).
    /// </summary>
    AttachSharedMemory = 6,

    // --- catalog (payload: table name) -------------------------------------------------------
    CreateDict = 10, // name, items: map or nil
    CreateList = 11, // name, values: array or nil
    GetTableKind = 12, // name → kind (int)
    DeleteTable = 13, // name
    ListTables = 14, // (no name) → map name → kind

    // --- CyberDict (payload: table name, then arguments) -------------------------------------
    DictGet = 20, // key → value | KeyNotFound
    DictTryGet = 21, // key → [found, value]
    DictSet = 22, // key, value
    DictCount = 23, // → int
    DictContainsKey = 24, // key → bool
    DictRemove = 25, // key → bool
    DictGetOrAdd = 26, // key, value → value (existing or the new one)
    DictUpdate = 27, // map of key → value
    DictKeys = 28, // → array
    DictValues = 29, // → array
    DictItems = 30, // → map (insertion order)
    DictPop = 31, // key → value | KeyNotFound
    DictTryPop = 32, // key → [found, value]
    DictPopItem = 33, // → [key, value] | KeyNotFound
    DictClear = 34,
    DictTryAdd = 35, // key, value → bool
    DictTryUpdate = 36, // key, new, comparison → bool
    DictIncrement = 37, // key, delta → long

    // --- CyberList (payload: table name, then arguments) -------------------------------------
    ListGet = 50, // index (negative: from the end) → value
    ListSet = 51, // index, value
    ListSlice = 52, // start, startFromEnd, end, endFromEnd → array
    ListCount = 53,
    ListAdd = 54, // value
    ListAddRange = 55, // array
    ListInsert = 56, // index, value
    ListPop = 57, // index or nil (last) → value
    ListRemove = 58, // value → bool
    ListRemoveAt = 59, // index
    ListIndexOf = 60, // value → int
    ListCountOf = 61, // value → int
    ListReverse = 62,
    ListSort = 63, // reverse: bool
    ListClear = 64,
    ListToList = 65, // → array
}
