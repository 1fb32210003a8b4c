namespace CyberDb.Cli.Shell;

/// <summary>A shell statement that does not fit its command's usage; printed with the usage line.</summary>
internal sealed class ShellUsageException : Exception
{
    public ShellUsageException(string message)
        : base(message)
    {
    }

    public ShellUsageException()
    {
    }

    public ShellUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
