namespace CyberDb.Cli;

/// <summary>What <c>cyberdb</c> exits with; scripts can rely on these.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A command failed: a server error, a failed shell statement, a bad file.</summary>
    public const int Failure = 1;

    /// <summary>The command line, environment or configuration file is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The server could not be reached or refused us (password, whitelist, too many clients).</summary>
    public const int Unavailable = 3;
}
