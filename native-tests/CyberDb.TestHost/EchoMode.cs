namespace CyberDb.TestHost;

/// <summary>Prints its arguments and exits 0: lets tests check that child processes start at all.</summary>
internal sealed class EchoMode : ITestHostMode
{
    public string Name => "echo";

    public int Run(string[] args)
    {
        Console.WriteLine(string.Join(' ', args));
        return 0;
    }
}
