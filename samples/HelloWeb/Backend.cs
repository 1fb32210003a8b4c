namespace HelloWeb;

/// <summary>Where GET / reads "Hello CyberDB!" from.</summary>
internal enum Backend
{
    /// <summary>The seed: table <c>centre</c> in CyberDb, through the request's <c>CyberProxy</c>.</summary>
    CyberDb,

    /// <summary>The same, from a Redis hash <c>centre</c> (field <c>content</c>) through StackExchange.Redis.</summary>
    Redis,

    /// <summary>An in-process dictionary: the ceiling no shared store can beat.</summary>
    Memory,
}
