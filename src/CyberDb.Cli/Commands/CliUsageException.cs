namespace CyberDb.Cli.Commands;

/// <summary>A wrong flag value, environment variable or configuration file: exit code 2 with the message.</summary>
internal sealed class CliUsageException : Exception
{
    public CliUsageException(string message)
        : base(message)
    {
    }

    public CliUsageException()
    {
    }

    public CliUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
